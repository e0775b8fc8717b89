/* The little JavaScript the portal uses (everything works without it):
   - the goal editor asks the goals service for feedback while the student types;
   - "add a step / add a reason" buttons add one more input. */
(function () {
  "use strict";
  var form = document.getElementById("goal-form");
  if (!form) { return; }
  var panel = document.getElementById("goal-feedback");
  var url = form.getAttribute("data-check-url");
  var token = form.querySelector("input[name=csrf_token]").value;
  var timer = null, seq = 0;

  function check() {
    var mine = ++seq;
    var body = new URLSearchParams(new FormData(form));
    body.delete("action_button");
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "X-CSRF-Token": token, "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || mine !== seq) { return; }
        panel.innerHTML = data.html;
        showInline(data.fields || {});
        form.setAttribute("data-checked", String(mine));
      })
      .catch(function () { /* the "Check my goal" button still works */ });
  }
  function showInline(fields) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-fb]"), function (box) {
      var items = fields[box.getAttribute("data-fb")] || [];
      box.textContent = "";
      items.forEach(function (item) {
        var p = document.createElement("p"), sev = document.createElement("span");
        p.className = "fb " + item.severity;
        sev.className = "sev";
        sev.textContent = item.label + ": ";
        p.appendChild(sev);
        p.appendChild(document.createTextNode(item.message));
        box.appendChild(p);
      });
    });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(check, 450); }
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);

  Array.prototype.forEach.call(form.querySelectorAll("button[data-add]"), function (button) {
    button.addEventListener("click", function () {
      var kind = button.getAttribute("data-add");
      var count = form.querySelectorAll("input[name=" + kind + "]").length;
      if (count >= 10) { return; }
      var html = document.getElementById("tpl-" + kind).innerHTML
        .replace(/__id__/g, kind + "-" + count).replace(/__n__/g, String(count + 1));
      button.insertAdjacentHTML("beforebegin", html);
      document.getElementById(kind + "-" + count).focus();
    });
  });
})();
