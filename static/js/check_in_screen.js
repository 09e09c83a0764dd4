// Projector screen: fetch the next QR code and typed code as the current one expires.
(function () {
  "use strict";
  const main = document.querySelector("main[data-code-url]");
  if (!main) return;
  const qr = main.querySelector('[data-role="qr"]');
  const code = main.querySelector('[data-role="typed-code"]');
  const arrived = main.querySelector('[data-role="arrived"]');

  async function next() {
    let wait = 5;
    try {
      const response = await fetch(main.dataset.codeUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        qr.innerHTML = data.svg;
        code.textContent = data.typed_code;
        arrived.textContent = `${data.arrived} / ${data.total}`;
        wait = Math.max(1, data.seconds_left);
      }
    } catch (error) {
      /* network hiccup: try again shortly */
    }
    setTimeout(next, wait * 1000);
  }
  next();
})();
