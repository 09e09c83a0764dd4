// Roster: one-tap marks without reloading, and live counts and statuses (QR check-ins arrive
// while staff watch).  Without JavaScript the forms post and the page reloads.
(function () {
  "use strict";
  const roster = document.querySelector(".roster");
  if (!roster) return;
  const liveUrl = roster.dataset.liveUrl;
  const errorBox = roster.querySelector(".roster-error");
  // The state last shown (the ETag of the answer it came in): each refresh says it has it, and
  // while nothing changed the server answers 304 without a body, not 300 people again every
  // ten seconds on the phone's data.
  let shown = null;

  function apply(data) {
    Object.entries(data.counts).forEach(([key, value]) => {
      const el = roster.querySelector(`[data-count="${key}"]`);
      if (el) el.textContent = value;
    });
    Object.entries(data.people).forEach(([id, person]) => {
      const row = document.getElementById(`person-${id}`);
      if (!row) return;
      row.querySelector('[data-role="label"]').textContent = person.label;
      row.querySelector('[data-role="detail"]').textContent = person.detail;
      row.querySelectorAll("button[name=mark]").forEach((button) => {
        // Each button's value is "<enrolment>:<status>".
        button.setAttribute("aria-pressed", String(button.value === `${id}:${person.status}`));
      });
    });
  }

  // The whole list is one form; the button pressed says who and what.  Browsers without
  // event.submitter (Safari before 15.4, still on older residents' and staff's iPhones) are
  // told by the click that submitted it.
  roster.querySelectorAll("form.roster-mark").forEach((form) => {
    let clicked = null;
    form.addEventListener("click", (event) => {
      const button = event.target.closest("button[name]");
      if (button && form.contains(button)) clicked = button;
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = new FormData(form);
      const submitter = event.submitter || clicked;
      clicked = null;
      if (submitter && submitter.name) body.set(submitter.name, submitter.value);
      errorBox.hidden = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body,
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
        const data = isJson ? await response.json() : {};
        if (!response.ok || !isJson) throw new Error(data.error || roster.dataset.error);
        apply(data);
        shown = response.headers.get("ETag");
      } catch (error) {
        // A network failure gives the browser's own (English) text: show ours instead.
        errorBox.textContent = error instanceof TypeError ? roster.dataset.error : error.message;
        errorBox.hidden = false;
      }
    });
  });

  async function refresh() {
    const headers = { Accept: "application/json" };
    if (shown) headers["If-None-Match"] = shown;
    try {
      const response = await fetch(liveUrl, { headers, cache: "no-store" });
      if (response.status === 304 || !response.ok) return;
      apply(await response.json());
      shown = response.headers.get("ETag");
    } catch (error) {
      /* offline for a moment: the next refresh catches up */
    }
  }
  setInterval(refresh, 10000);
})();
