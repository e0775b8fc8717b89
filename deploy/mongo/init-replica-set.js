// Make the compose `mongo` a single-node replica set (MongoDB transactions need one), wait
// until it is primary, and give each service a user of its own that may read and write
// its own database only. Idempotent: run by the one-shot `mongo-init` service (as the root
// user, MONGO_ROOT_PASSWORD) on every `docker compose up`; passwords from the environment.
const config = { _id: "rs0", members: [{ _id: 0, host: "mongo:27017" }] };
try {
  rs.status();
  print("replica set rs0 already initiated");
} catch (e) {
  if (e.codeName !== "NotYetInitialized") throw e;
  rs.initiate(config);
  print("replica set rs0 initiated");
}
let primary = false;
for (let i = 0; i < 60 && !primary; i++) {
  primary = db.hello().isWritablePrimary;
  if (!primary) sleep(1000);
}
if (!primary) {
  print("rs0 has no primary after 60s");
  quit(1);
}
for (const service of ["roster", "goals", "scheduling", "notifications", "reports"]) {
  const password = process.env[`MONGO_${service.toUpperCase()}_PASSWORD`];
  if (!password) {
    print(`MONGO_${service.toUpperCase()}_PASSWORD is not set`);
    quit(1);
  }
  const target = db.getSiblingDB(`confer_${service}`);
  const roles = [{ role: "readWrite", db: `confer_${service}` }];
  if (target.getUser(service)) target.updateUser(service, { pwd: password, roles });
  else target.createUser({ user: service, pwd: password, roles });
  print(`user ${service}: readWrite on confer_${service} only`);
}
print("rs0 primary is ready");
quit(0);
