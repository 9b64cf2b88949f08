// The sign-in sheet's signature pad: a participant signs in a canvas with a finger, a stylus or the
// mouse (pointer events); the strokes go to the server as JSON in a box of WIDTH x HEIGHT, thinned
// out, which checks and keeps them (ecoute/programme/signatures.py).
const WIDTH = 600;
const HEIGHT = 200;
// Points closer than this to the last one kept add nothing a reader could see.
const MIN_STEP = 3;

const dialog = document.getElementById("signature-pad");
const form = dialog.querySelector("form");
const canvas = dialog.querySelector("canvas");
const context = canvas.getContext("2d");
const submit = form.querySelector("button[type=submit]");
let strokes = [];
let drawing = null;

function boxPoint(event) {
  const rect = canvas.getBoundingClientRect();
  const x = Math.round(((event.clientX - rect.left) / rect.width) * WIDTH);
  const y = Math.round(((event.clientY - rect.top) / rect.height) * HEIGHT);
  return [Math.min(WIDTH, Math.max(0, x)), Math.min(HEIGHT, Math.max(0, y))];
}

function draw() {
  context.clearRect(0, 0, WIDTH, HEIGHT);
  context.lineWidth = 5;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.strokeStyle = "#1b2b2c";
  for (const stroke of strokes) {
    context.beginPath();
    context.moveTo(stroke[0], stroke[1]);
    for (let i = 2; i < stroke.length; i += 2) context.lineTo(stroke[i], stroke[i + 1]);
    if (stroke.length === 2) context.lineTo(stroke[0], stroke[1]);
    context.stroke();
  }
  submit.disabled = !strokes.some((stroke) => stroke.length >= 4);
}

canvas.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  canvas.setPointerCapture(event.pointerId);
  drawing = boxPoint(event);
  strokes.push(drawing);
  draw();
});

canvas.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  const [x, y] = boxPoint(event);
  const [lastX, lastY] = drawing.slice(-2);
  if (Math.hypot(x - lastX, y - lastY) < MIN_STEP) return;
  drawing.push(x, y);
  draw();
});

for (const end of ["pointerup", "pointercancel"]) {
  canvas.addEventListener(end, () => {
    drawing = null;
  });
}

function open(button) {
  strokes = [];
  form.elements.cell.value = button.dataset.cell;
  document.getElementById("signature-who").textContent = button.dataset.who;
  draw();
  dialog.showModal();
}

dialog.querySelector("[data-action=clear]").addEventListener("click", () => {
  strokes = [];
  draw();
});
dialog.querySelector("[data-action=close]").addEventListener("click", () => dialog.close());
form.addEventListener("submit", () => {
  form.elements.strokes.value = JSON.stringify(strokes);
  submit.disabled = true; // one signature, even if the finger taps twice
});

for (const button of document.querySelectorAll("button.sign[data-cell]")) {
  button.hidden = false;
  button.addEventListener("click", () => open(button));
}
