"""Draws the app icons (a white shield with 联 on police blue) into pwa/public/icons; run once, commit the PNGs."""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[2] / "public" / "icons"
BLUE = (16, 58, 122)
FONTS = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"]


def draw(size: int, maskable: bool = False) -> Image.Image:
    img = Image.new("RGB", (size, size), BLUE)
    d = ImageDraw.Draw(img)
    pad = size * (0.22 if maskable else 0.12)
    w = size - 2 * pad
    top, mid, bottom = pad, pad + w * 0.55, size - pad
    shield = [(pad, top), (size - pad, top), (size - pad, mid), (size / 2, bottom), (pad, mid)]
    d.polygon(shield, fill=(255, 255, 255))
    font = next((ImageFont.truetype(f, int(w * 0.5)) for f in FONTS if Path(f).exists()), None)
    if font:
        d.text((size / 2, top + w * 0.38), "联", fill=BLUE, font=font, anchor="mm")
    else:
        d.ellipse([size / 2 - w * 0.18, top + w * 0.2, size / 2 + w * 0.18, top + w * 0.56], fill=BLUE)
    return img


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(OUT / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(OUT / "maskable-512.png", optimize=True)
    print("icons written to", OUT)
