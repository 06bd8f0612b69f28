/* The tablet's service worker (served at /sw.js by interventions/views/tablet_app.py, which puts
 * self.OFFLINE_CONFIG and self.OFFLINE_VERSION in front of this file).
 *
 * - Static files: kept at installation, then served from the cache first (their names carry a
 *   content hash in production; an unhashed name is refreshed in the background).
 * - The technician's pages (« Mes interventions », each job's work, sign and procedure pages)
 *   and the server's offline bundle: network first, the copy kept for when there is no network.
 *   A copy older than OFFLINE_CONFIG.cacheDays days is not served any more.
 * - Writes (POST) are never handled here: the pages queue them (static/js/offline-queue.js).
 */
/* global self, caches, fetch, Response, URL */
"use strict";

var CONFIG = self.OFFLINE_CONFIG || { static: [], bundle: "", mine: "/interventions/mine/", cacheDays: 3 };
var STATIC_CACHE = "static-" + (self.OFFLINE_VERSION || "dev");
var PAGES_CACHE = "pages-v1";
var CACHED_AT = "x-offline-cached-at";
var NETWORK_TIMEOUT_MS = 6000;
var DAY_MS = 24 * 3600 * 1000;
// The pages a technician needs on site; the others (dispatch, billing…) are never kept.
var TABLET_PAGES = [
  /^\/interventions\/mine\/$/,
  /^\/interventions\/\d+\/work\/$/,
  /^\/interventions\/\d+\/work\/visits\/\d+\/$/,
  /^\/interventions\/\d+\/sign\/$/,
  /^\/procedures\/(\d+\/)?$/,
  /^\/procedures\/intervention\/\d+\/(diagnostic\/)?$/,
];
var HASHED = /\.[0-9a-f]{12}\.[a-z0-9]+$/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) {
      // One missing file must not block the installation of the others.
      return Promise.all(CONFIG.static.map(function (url) {
        return cache.add(url).catch(function () { return null; });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("static-") === 0 && name !== STATIC_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isTabletPage(url) {
  if (url.pathname === CONFIG.bundle) return true;
  return TABLET_PAGES.some(function (pattern) { return pattern.test(url.pathname); });
}

function stamped(response) {
  // A copy of the answer with the time it was kept, read back to enforce cacheDays.
  return response.clone().blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set(CACHED_AT, String(Date.now()));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function fresh(response) {
  if (!response) return false;
  var at = parseInt(response.headers.get(CACHED_AT) || "0", 10);
  return Date.now() - at <= CONFIG.cacheDays * DAY_MS;
}

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (value) { clearTimeout(timer); resolve(value); },
      function (error) { clearTimeout(timer); reject(error); });
  });
}

function cacheKey(url) {
  // One copy per page whatever the query string (?next=…, #anchors are never sent).
  return url.origin + url.pathname;
}

function fromCache(url) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.match(cacheKey(url), { ignoreVary: true });
  }).then(function (response) {
    return fresh(response) ? response : null;
  });
}

function offlineAnswer(request, url) {
  return fromCache(url).then(function (cached) {
    if (cached) return cached;
    if (request.mode !== "navigate") return Response.error();
    // A page never opened online: the list of the technician's jobs, if kept.
    return fromCache(new URL(CONFIG.mine, url.origin)).then(function (mine) {
      if (mine) return mine;
      return new Response(
        "<!DOCTYPE html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Hors ligne</title>" +
        "<h1>Hors ligne</h1><p>Cette page n’a pas été ouverte avec le réseau sur cette tablette. " +
        "Offline: this page was never opened online on this tablet.</p></html>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
      );
    });
  });
}

function networkFirst(request, url) {
  return withTimeout(fetch(request), NETWORK_TIMEOUT_MS).then(function (response) {
    // Only a real copy of this page is kept: not a redirect (to the login page, to the work
    // page of a job that is not awaiting signatures) nor an error.
    if (response.ok && !response.redirected && response.type === "basic") {
      var key = cacheKey(url);
      stamped(response).then(function (copy) {
        return caches.open(PAGES_CACHE).then(function (cache) { return cache.put(key, copy); });
      });
    }
    return response;
  }, function () {
    return offlineAnswer(request, url);
  });
}

function cacheFirst(request, url) {
  return caches.match(request, { ignoreSearch: false }).then(function (cached) {
    var refresh = fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(STATIC_CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
    if (cached) {
      if (!HASHED.test(url.pathname)) refresh.catch(function () { return null; });
      return cached;
    }
    return refresh;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") lastNavigation = Date.now();
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(request, url));
  } else if (isTabletPage(url)) {
    event.respondWith(networkFirst(request, url));
  }
});

// Keeps the bundle and every page of the technician's jobs for the next days (asked by the
// pages while online, at most every few minutes: static/js/offline-queue.js).
function keepPage(path) {
  var url = new URL(path, self.location.origin);
  return fetch(url.href, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (!response.ok || response.redirected) return null;
    return stamped(response).then(function (copy) {
      return caches.open(PAGES_CACHE).then(function (cache) { return cache.put(cacheKey(url), copy); });
    });
  }).catch(function () { return null; });
}

// The technician comes first: while they open pages, the keeping waits (a busy server, or a
// slow 3G link, must not make their page wait behind ours).
var lastNavigation = 0;
var prefetching = null;
function quiet() {
  var wait = lastNavigation + 2000 - Date.now();
  if (wait <= 0) return Promise.resolve();
  return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(quiet);
}

function prefetch() {
  if (prefetching) return prefetching;
  prefetching = doPrefetch().then(function (result) { prefetching = null; return result; },
    function (error) { prefetching = null; throw error; });
  return prefetching;
}

function doPrefetch() {
  if (!CONFIG.bundle) return keepPage(CONFIG.mine).then(function () { return { jobs: 0 }; });
  var bundleUrl = new URL(CONFIG.bundle, self.location.origin);
  return quiet().then(function () {
    return fetch(bundleUrl.href, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
  })
    .then(function (response) {
      if (!response.ok || response.redirected) throw new Error("bundle " + response.status);
      return stamped(response).then(function (copy) {
        return caches.open(PAGES_CACHE).then(function (cache) { return cache.put(cacheKey(bundleUrl), copy); });
      }).then(function () { return response.json(); });
    })
    .then(function (bundle) {
      var pages = [CONFIG.mine];
      (bundle.interventions || []).forEach(function (job) {
        var urls = job.urls || {};
        ["work", "sign", "procedures"].forEach(function (name) { if (urls[name]) pages.push(urls[name]); });
        // The correction page of the technician's own visits and of any open one (a departure
        // to correct), so that it opens without network though never opened before.
        var me = bundle.user && bundle.user.id;
        (job.visits || []).forEach(function (visit) {
          if (visit.url && (visit.technician_id === me || !visit.left_at)) pages.push(visit.url);
        });
      });
      // One after the other: the server is a small one and the tablet may be on 3G.
      return pages.reduce(function (chain, page) {
        return chain.then(quiet).then(function () { return keepPage(page); });
      }, Promise.resolve()).then(function () { return { jobs: (bundle.interventions || []).length }; });
    });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "prefetch") {
    var source = event.source;
    event.waitUntil(prefetch().then(function (result) {
      if (source) source.postMessage({ type: "prefetched", ok: true, jobs: result.jobs });
    }, function () {
      if (source) source.postMessage({ type: "prefetched", ok: false });
    }));
  }
  if (data.type === "forget") {
    // Logging out of a shared tablet: the next technician must not read these pages.
    event.waitUntil(caches.delete(PAGES_CACHE));
  }
});
