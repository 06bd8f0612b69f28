/* The tablet's offline store in IndexedDB: the queue of actions waiting to be sent, and a few
 * remembered values (time of the last sync). IndexedDB survives closing the tab and restarting
 * the browser, and keeps files (the stamp photo) as Blobs, which localStorage cannot.
 *
 * window.OfflineStore: promise-returning add / all / get / put / remove / meta / setMeta.
 */
(function () {
  "use strict";

  var DB_NAME = "tablet-offline";
  var DB_VERSION = 1;
  var opening = null;

  function open() {
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("queue")) {
          db.createObjectStore("queue", { keyPath: "id", autoIncrement: true });
        }
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { opening = null; reject(request.error); };
    });
    return opening;
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var store = tx.objectStore(storeName);
        var result;
        var request = work(store);
        if (request) request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  window.OfflineStore = {
    add: function (entry) { return run("queue", "readwrite", function (s) { return s.add(entry); }); },
    put: function (entry) { return run("queue", "readwrite", function (s) { return s.put(entry); }); },
    get: function (id) { return run("queue", "readonly", function (s) { return s.get(id); }); },
    remove: function (id) { return run("queue", "readwrite", function (s) { return s.delete(id); }); },
    // In the order they were made (ids only grow).
    all: function () { return run("queue", "readonly", function (s) { return s.getAll(); }); },
    meta: function (key) { return run("meta", "readonly", function (s) { return s.get(key); }); },
    setMeta: function (key, value) {
      return run("meta", "readwrite", function (s) { return s.put(value, key); });
    },
  };
})();
