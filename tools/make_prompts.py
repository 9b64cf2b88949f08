"""Make the phone line's prompts in French with espeak-ng and sox (Debian), into the prompts folder.

Run at set-up (`make demo`, the tests): `.venv/bin/python tools/make_prompts.py [folder]`. Existing
files are kept, so recorded human voices put there are never overwritten.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ecoute.telephony import prompts  # noqa: E402


def make(folder: Path | None = None) -> list[Path]:
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise FileNotFoundError(f"{tool} is not installed (Debian package '{tool}')")
    target = folder or prompts.folder()
    made = []
    with tempfile.TemporaryDirectory() as scratch:
        for language, sentences in prompts.SENTENCES.items():
            (target / language).mkdir(parents=True, exist_ok=True)
            for name, sentence in sentences.items():
                wav = target / language / f"{name}.wav"
                if not wav.exists():
                    _speak(sentence, language, wav, Path(scratch))
                    made.append(wav)
    return made


def _speak(sentence: str, language: str, wav: Path, scratch: Path) -> None:
    spoken = scratch / "spoken.wav"
    subprocess.run(["espeak-ng", "-v", language, "-s", "150", "-w", str(spoken), sentence], check=True)
    # The line's format: 8 kHz mono 16-bit, what the phone network carries (G.711 from there).
    subprocess.run(["sox", str(spoken), "-r", "8000", "-c", "1", "-b", "16", str(wav)], check=True)


if __name__ == "__main__":
    for made in make(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(made)
