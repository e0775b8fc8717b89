"""The goals API says everything in the language the request asks for (the portal
sends the page's language), and a draft goal can be deleted by its author only."""
from tests.integration.goals.test_goals_flow import GOAL

ES = {"Accept-Language": "es"}


def test_feedback_questions_and_errors_follow_accept_language(goals_env):
    goals_env.seed_roster()
    student = goals_env.client("student", "st-1", school_ids=("s-1",))
    vague = {**GOAL, "statement": "Quiero mejorar en matemáticas", "student_id": "st-1"}
    es = student.post("/goals/check", json=vague, headers=ES).get_json()
    [item] = [f for f in es["feedback"] if f["code"] == "too_vague"]
    assert item["message"].startswith("Palabras como «quiero» y «mejorar» son un deseo")
    en = student.post("/goals/check", json=vague).get_json()
    assert [f for f in en["feedback"] if f["code"] == "too_vague"][0]["message"].startswith("Words like “quiero”")
    questions = student.get("/students/st-1/reflection-questions", headers=ES).get_json()
    assert questions["title"] == "Pensando en mi meta (TK a 5.º)"
    assert all(q["text"].startswith("¿") for q in questions["questions"])
    r = student.post("/students/st-1/evidence", json={"title": "", "link": "ftp://x", "note": {}}, headers=ES)
    body = r.get_json()
    assert r.status_code == 422 and body["detail"] == "Este trabajo necesita algunos arreglos: mira cada campo."
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert fields["title"] == "Ponle un título corto a tu trabajo."
    assert fields["note.what_it_shows"] == "Escribe en tu tarjeta qué muestra este trabajo."
    assert fields["link"].startswith("Un enlace debe empezar con «https://»")


def test_a_draft_is_deleted_by_its_author_only(goals_env):
    goals_env.seed_roster()
    student = goals_env.client("student", "st-1", school_ids=("s-1",))
    draft = student.post("/students/st-1/goals", json=GOAL).get_json()
    teacher = goals_env.client("teacher", "t-1", school_ids=("s-1",))
    assert teacher.delete(f"/goals/{draft['goal_id']}").status_code == 404  # not the author
    assert goals_env.client("student", "st-2", school_ids=("s-1",)).delete(
        f"/goals/{draft['goal_id']}").status_code == 404
    assert student.delete(f"/goals/{draft['goal_id']}").status_code == 204
    assert student.get(f"/goals/{draft['goal_id']}").status_code == 404
    [deleted] = goals_env.db["outbox"].find({"name": "GoalDeleted"})
    assert deleted["envelope"]["data"] == {"goal_id": draft["goal_id"], "student_id": "st-1", "school_id": "s-1"}
    shared = student.post("/students/st-1/goals", json={**GOAL, "statement": "I will ask questions when I don't "
                                                         "understand parts of the math lesson."}).get_json()
    assert student.post(f"/goals/{shared['goal_id']}/submit").status_code == 200
    r = student.delete(f"/goals/{shared['goal_id']}", headers=ES)
    assert r.status_code == 409 and r.get_json()["code"] == "goal_not_draft"
    assert r.get_json()["detail"] == "Solo se puede borrar un borrador; esta meta ya está compartida."
