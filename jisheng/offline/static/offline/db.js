// The phone's store: one IndexedDB database per officer (keyed by user id), so a shared phone's next
// user never opens another's copy or outbox, and signing out clears neither.

const STORES = ["persons", "households", "outbox", "meta"];

export function openStore(userId) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(`jisheng-offline-u${userId}`, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("persons", { keyPath: "id" });
      db.createObjectStore("households", { keyPath: "id" });
      const outbox = db.createObjectStore("outbox", { keyPath: "client_id" });
      outbox.createIndex("created", "created");
      db.createObjectStore("meta", { keyPath: "key" });
    };
    request.onsuccess = () => resolve(new Store(request.result));
    request.onerror = () => reject(request.error);
  });
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export class Store {
  constructor(db) {
    this.db = db;
  }

  async all(store) {
    const tx = this.db.transaction(store, "readonly");
    return done(tx.objectStore(store).getAll());
  }

  async get(store, key) {
    const tx = this.db.transaction(store, "readonly");
    return done(tx.objectStore(store).get(key));
  }

  async put(store, value) {
    const tx = this.db.transaction(store, "readwrite");
    tx.objectStore(store).put(value);
    return finished(tx);
  }

  async remove(store, key) {
    const tx = this.db.transaction(store, "readwrite");
    tx.objectStore(store).delete(key);
    return finished(tx);
  }

  async meta(key, fallback = null) {
    const row = await this.get("meta", key);
    return row ? row.value : fallback;
  }

  async setMeta(key, value) {
    return this.put("meta", { key, value });
  }

  // One transaction for a whole download: the copy is never half old, half new.
  async applySync(answer) {
    const tx = this.db.transaction(["persons", "households", "meta"], "readwrite");
    const persons = tx.objectStore("persons");
    const households = tx.objectStore("households");
    for (const person of answer.persons) persons.put(person);
    for (const household of answer.households) households.put(household);
    for (const id of answer.removed.persons || []) persons.delete(id);
    for (const id of answer.removed.households || []) households.delete(id);
    const meta = tx.objectStore("meta");
    meta.put({ key: "cursor", value: answer.cursor });
    meta.put({ key: "village", value: answer.village });
    meta.put({ key: "tasks", value: answer.tasks });
    meta.put({ key: "forms", value: answer.forms });
    meta.put({ key: "synced_at", value: new Date().toISOString() });
    return finished(tx);
  }
}

export { STORES };
