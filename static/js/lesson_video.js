// Record that an uploaded lesson video was watched to the end (progressive enhancement:
// without JavaScript the "done" button and the check still work).
(function () {
  var body = document.querySelector("[data-video-ended-url]");
  if (!body) return;
  var url = body.getAttribute("data-video-ended-url");
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  document.querySelectorAll("video[data-lesson-video]").forEach(function (video) {
    video.addEventListener("ended", function () {
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" },
      });
    });
  });
})();
