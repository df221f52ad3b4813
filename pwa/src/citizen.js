document.getElementById("app").textContent = "联报 — 群众报警";
