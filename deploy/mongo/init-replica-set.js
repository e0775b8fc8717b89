// Make the compose `mongo` a single-node replica set (MongoDB transactions need one) and
// wait until it is primary. Idempotent: run by the one-shot `mongo-init` service on every
// `docker compose up`.
const config = { _id: "rs0", members: [{ _id: 0, host: "mongo:27017" }] };
try {
  rs.status();
  print("replica set rs0 already initiated");
} catch (e) {
  if (e.codeName !== "NotYetInitialized") throw e;
  rs.initiate(config);
  print("replica set rs0 initiated");
}
for (let i = 0; i < 60; i++) {
  if (db.hello().isWritablePrimary) {
    print("rs0 primary is ready");
    quit(0);
  }
  sleep(1000);
}
print("rs0 has no primary after 60s");
quit(1);
