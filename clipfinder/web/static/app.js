// clipfinder serve: highlight each word as it is spoken, and play a call from a clicked word.
(function () {
  "use strict";

  // Words inside `box` carry data-t: their start in seconds on `audio`'s timeline.
  function follow(audio, box) {
    var words = Array.prototype.slice.call(box.querySelectorAll(".w[data-t]"));
    var times = words.map(function (w) { return parseFloat(w.dataset.t); });
    var current = null;
    audio.addEventListener("timeupdate", function () {
      var t = audio.currentTime, i = -1;
      for (var k = 0; k < times.length && times[k] <= t; k++) i = k;
      var next = i >= 0 ? words[i] : null;
      if (next === current) return;
      if (current) current.classList.remove("now");
      if (next) next.classList.add("now");
      current = next;
    });
    box.addEventListener("click", function (event) {
      var word = event.target.closest(".w[data-t]");
      if (!word) return;
      audio.currentTime = parseFloat(word.dataset.t);
      audio.play();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // search results: each result's audio and its words
    document.querySelectorAll(".result").forEach(function (result) {
      var audio = result.querySelector("audio"), words = result.querySelector(".words");
      if (audio && words) follow(audio, words);
    });
    // call page: the recording, the transcript, the clip buttons and the timeline
    var call = document.getElementById("call-audio");
    if (call) {
      follow(call, document.getElementById("transcript"));
      // from a search result (#at=SECONDS): show that moment and start the player there
      var at = /^#at=([0-9.]+)$/.exec(window.location.hash);
      if (at) {
        var t = parseFloat(at[1]);
        var word = Array.prototype.find.call(
          document.querySelectorAll("#transcript .w[data-t]"),
          function (w) { return parseFloat(w.dataset.t) >= t - 0.05; });
        if (word) { word.scrollIntoView({block: "center"}); word.classList.add("now"); }
        call.currentTime = t;
      }
      document.querySelectorAll("button.seek, .timeline .mark").forEach(function (el) {
        el.addEventListener("click", function (event) {
          event.preventDefault();
          call.currentTime = parseFloat(el.dataset.t);
          call.play();
        });
      });
    }
  });
})();
