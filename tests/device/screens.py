"""What is on the device's display: screendumps compared with the headless renderer's pictures
of the same UI (target/screenshots/en/*-1280x800.png, written by the screenshot test), QR codes
read with zbar, and the controls' places from the same test's touch-targets.json."""
import json
import os
import subprocess

from PIL import Image, ImageChops, ImageStat

THUMB = (160, 100)  # the size screens are told apart at: layout, not text
# PIL's counter-clockwise turns that show a window on a panel mounted at each rotation (the
# display turns the picture clockwise: countertop_core::Rotation, Slint's RenderingRotation).
PIL_TURN = {0: None, 90: Image.ROTATE_270, 180: Image.ROTATE_180, 270: Image.ROTATE_90}


def window_size(rotation, panel=(1280, 800)):
    """The window the UI lays itself out in on the panel at `rotation` (degrees clockwise)."""
    return (panel[1], panel[0]) if rotation in (90, 270) else panel


def window_to_panel(rotation, x, y, panel=(1280, 800)):
    """Where the window's point (x, y) is on the panel: Rotation::window_to_panel in the core,
    for points rather than pixels (a pixel's centre lands on the turned pixel's centre)."""
    pw, ph = panel
    if rotation == 90:
        return pw - y, x
    if rotation == 180:
        return pw - x, ph - y
    if rotation == 270:
        return y, ph - x
    return x, y


class Screens:
    """The headless pictures as a panel mounted at `rotation` shows them: the pictures of the
    turned window's size, turned into the panel; controls' centres turned the same way."""

    def __init__(self, reference_dir, panel=(1280, 800), rotation=0):
        self.panel, self.rotation = panel, rotation
        self.size = window_size(rotation, panel)
        suffix = '-%dx%d.png' % self.size
        self.references = {}
        for name in sorted(os.listdir(reference_dir)):
            if name.endswith(suffix):
                picture = Image.open(os.path.join(reference_dir, name)).convert('L')
                if PIL_TURN[rotation] is not None:
                    picture = picture.transpose(PIL_TURN[rotation])
                self.references[name[:-len(suffix)]] = picture.resize(THUMB, Image.BILINEAR)
        if not self.references:
            raise RuntimeError('no reference screenshots in %s (run the screenshot test first)' % reference_dir)
        with open(os.path.join(reference_dir, 'touch-targets.json')) as f:
            self.targets = json.load(f)

    def classify(self, png):
        """(best matching reference screen, its distance, the runner-up) for a screendump."""
        shot = Image.open(png).convert('L').resize(THUMB, Image.BILINEAR)
        scored = sorted((ImageStat.Stat(ImageChops.difference(shot, ref)).mean[0], name)
                        for name, ref in self.references.items())
        (best_d, best), (next_d, runner_up) = scored[0], scored[1]
        return best, round(best_d, 2), runner_up, round(next_d, 2)

    def target(self, screen, label, index=0):
        """Centre of the control labelled `label` on `screen` (as rendered at this size)."""
        key = '%s-%dx%d' % (screen, *self.size)
        found = [t for t in self.targets.get(key, []) if t['label'] == label]
        if len(found) <= index:
            labels = sorted({t['label'] for t in self.targets.get(key, [])})
            raise KeyError('no control %r on %s; there are: %s' % (label, key, ', '.join(labels)))
        t = found[index]
        return window_to_panel(self.rotation, t['x'] + t['w'] / 2, t['y'] + t['h'] / 2, self.panel)

    def on_panel(self, x, y):
        """A point given in the window's coordinates, on the panel."""
        return window_to_panel(self.rotation, x, y, self.panel)


def decode_qr(png):
    """The QR payloads zbar finds in a picture."""
    result = subprocess.run(['zbarimg', '--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', png],
                            capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if line]


def pixel_difference(a_png, b_png, threshold=24):
    """(share of pixels where any channel differs by more than `threshold`, mean difference)."""
    a = Image.open(a_png).convert('RGB')
    b = Image.open(b_png).convert('RGB')
    if a.size != b.size:
        return 1.0, 255.0
    diff = ImageChops.difference(a, b)
    mean = sum(ImageStat.Stat(diff).mean) / 3
    mask = diff.convert('L').point(lambda v: 255 if v > threshold else 0)
    share = ImageStat.Stat(mask).mean[0] / 255
    return share, mean


def read_text(png, box=None):
    """The text tesseract reads in a screendump (or in `box` = (x0, y0, x1, y1) of it), on one
    line, spaces collapsed. The panel is drawn by the device's own fonts, so this is what a
    member of staff would read there, not what the UI meant to draw."""
    picture = Image.open(png).convert('L')
    if box:
        picture = picture.crop(box)
    # Twice the size: tesseract reads UI text of 16-24 px far better at 32-48 px.
    picture = picture.resize((picture.width * 2, picture.height * 2), Image.LANCZOS)
    scaled = png + '.ocr.png'
    picture.save(scaled)
    try:
        result = subprocess.run(['tesseract', scaled, '-', '--psm', '6'], capture_output=True, text=True)
    finally:
        os.remove(scaled)
    if result.returncode != 0:
        raise RuntimeError('tesseract failed: %s' % result.stderr.strip())
    return ' '.join(result.stdout.split())
