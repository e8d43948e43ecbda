/* Peer Assist Live: the live socket. It resumes where the page left off (`since`), reconnects
   at once when it is worth it, and ends for good when the server ends the page's access. */
(function () {
  "use strict";

  // Resume the live socket where this page left off: the server replays what we missed.
  function liveSeq() {
    var s = document.getElementById("live-seq");
    return s ? s.dataset.seq : "";
  }
  // Reconnecting: at once when the browser says the network is back or the page is looked
  // at again, and never more than 5 s apart while the page is visible.
  // accessGone: the server ended this page's access (1008); nothing reconnects after it.
  var liveSocket = null, liveWrapper = null, accessGone = false;
  htmx.config.wsReconnectDelay = function (retryCount) {
    var cap = document.visibilityState === "visible" ? 5000 : 30000;
    var step = Math.min(cap, 500 * Math.pow(2, Math.min(retryCount, 8)));
    return step * (0.5 + Math.random() / 2);
  };
  // A retry the extension scheduled earlier may come after we reconnected already: it gets a
  // socket that does nothing, instead of a second live one.
  function idleSocket() {
    return { readyState: 3, addEventListener: function () {}, removeEventListener: function () {},
             send: function () {}, close: function () {} };
  }
  function reconnectNow() {
    if (accessGone || !liveWrapper || !liveSocket || liveSocket.readyState < 2) return;
    setConnection("Reconnecting…", false);
    liveWrapper.reconnect();
  }
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") reconnectNow();
  });
  document.addEventListener("htmx:wsOpen", function (evt) { liveWrapper = evt.detail.socketWrapper; });

  // Now, not on DOMContentLoaded: htmx opens the socket in its own handler, which runs first,
  // so the first socket asked for a whole snapshot, whose swap wiped anything typed meanwhile.
  var baseCreate = htmx.createWebSocket;
  htmx.createWebSocket = function (url) {
    if (accessGone || (liveSocket && liveSocket.readyState < 2)) return idleSocket();
    var clean = url.replace(/([?&])since=\d+&?/, "$1").replace(/[?&]$/, "");
    var seq = liveSeq();
    liveSocket = baseCreate(seq ? clean + (clean.indexOf("?") >= 0 ? "&" : "?") + "since=" + seq : clean);
    return liveSocket;
  };

  // What is on the page stays readable, but nothing on it can be sent any more, and a notice
  // that does not fade like a toast says why (once: it is an alert of its own).
  function accessEnded(text) {
    if (accessGone) return;
    accessGone = true;
    var live = document.getElementById("live");
    if (!live) return;
    var notice = document.createElement("p");
    notice.id = "access-ended";
    notice.className = "access-ended";
    notice.setAttribute("role", "alert");
    notice.textContent = text + " This page no longer changes, and nothing on it can be sent.";
    live.parentNode.insertBefore(notice, live);
    live.inert = true;
    live.classList.add("ended");
  }

  function setConnection(text, ok) {
    var c = document.getElementById("connection");
    if (c) { c.textContent = text; c.classList.toggle("ok", ok); }
  }
  document.addEventListener("htmx:wsOpen", function () { setConnection("Live", true); });
  document.addEventListener("htmx:wsClose", function (evt) {
    liveWrapper = evt.detail.socketWrapper;
    setConnection("Reconnecting…", false);
    var code = evt.detail.event && evt.detail.event.code;
    // 1008: this page's access has gone (removed, or the peer assist deleted); say so and stay.
    if (code === 1008) {
      var why = evt.detail.event.reason || "You no longer have access to this peer assist.";
      setConnection("Disconnected", false);
      var text = why.charAt(0).toUpperCase() + why.slice(1);
      accessEnded(/[.!?]$/.test(text) ? text : text + ".");
      return;
    }
    // The extension retries 1006, 1011, 1012 and 1013 by itself; a server going away (1001)
    // is worth a retry too, as another worker will take us.
    if (code === 1001) {
      setTimeout(function () { evt.detail.socketWrapper.reconnect(); }, 500 + Math.random() * 1500);
    }
  });
})();
