"""Draw the demo catalogue's product pictures (SVG, served by the project itself: no CDN, no network).

    .venv/bin/python scripts/make_demo_images.py   # writes src/mallops/catalogue/static/catalogue/demo/*.svg

One flat pictogram per top category in three views (正面, 侧面, 细节: the background and the angle change),
labelled 示例图片 so nobody takes them for a merchant's photo. Only the demo loader and the test fixtures
point at them (``catalogue.fixtures.images``).
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "mallops" / "catalogue" / "static" / "catalogue" / "demo"

# kind: (category name, main colour, light background, pictogram drawn in a 400x400 box centred at 500,460)
KINDS: dict[str, tuple[str, str, str, str]] = {
    "apparel": (
        "服装鞋包",
        "#3b6fd8",
        "#e8effc",
        '<path d="M-150,-150 L-60,-190 Q0,-140 60,-190 L150,-150 L200,-40 L130,-10 L130,190 L-130,190 '
        'L-130,-10 L-200,-40 Z" fill="C"/><path d="M-60,-190 Q0,-120 60,-190" fill="none" stroke="#fff" '
        'stroke-width="14"/>',
    ),
    "baby": (
        "母婴用品",
        "#e0709a",
        "#fcebf1",
        '<rect x="-80" y="-110" width="160" height="300" rx="40" fill="C"/><rect x="-95" y="-140" '
        'width="190" height="50" rx="14" fill="#f6b8cc"/><path d="M-40,-140 Q-40,-220 0,-225 Q40,-220 '
        '40,-140 Z" fill="#f3d38b"/><g stroke="#fff" stroke-width="10"><line x1="-40" y1="-40" x2="10" '
        'y2="-40"/><line x1="-40" y1="20" x2="10" y2="20"/><line x1="-40" y1="80" x2="10" y2="80"/></g>',
    ),
    "cosmetics": (
        "美妆个护",
        "#c0486b",
        "#f8e6ec",
        '<rect x="-170" y="-20" width="120" height="210" rx="16" fill="C"/><path d="M-160,-20 L-160,-130 '
        'L-60,-170 L-60,-20 Z" fill="#e88aa4"/><rect x="10" y="40" width="170" height="150" rx="30" '
        'fill="#f1c9d5"/><rect x="0" y="0" width="190" height="60" rx="18" fill="C"/>',
    ),
    "electronics": (
        "数码家电",
        "#2f8f86",
        "#e3f3f1",
        '<rect x="-120" y="-200" width="240" height="400" rx="36" fill="C"/><rect x="-95" y="-160" '
        'width="190" height="300" rx="10" fill="#bfe7e2"/><circle cx="0" cy="170" r="16" fill="#fff"/>',
    ),
    "food": (
        "食品",
        "#e2702c",
        "#fdf0e6",
        '<circle cx="-50" cy="40" r="130" fill="C"/><circle cx="60" cy="40" r="130" fill="#f08a45"/>'
        '<path d="M5,-90 Q10,-170 70,-200" fill="none" stroke="#7a4a24" stroke-width="16"/><path '
        'd="M20,-150 Q90,-210 150,-160 Q90,-110 20,-150 Z" fill="#5aa33c"/>',
    ),
    "health_food": (
        "保健食品",
        "#7a5cc7",
        "#efeafa",
        '<g transform="rotate(-35)"><rect x="-200" y="-70" width="400" height="140" rx="70" fill="#d9cff3"/>'
        '<path d="M0,-70 L-130,-70 A70,70 0 0 0 -130,70 L0,70 Z" fill="C"/></g>',
    ),
    "general": (
        "其他",
        "#b0852b",
        "#f8f1e2",
        '<rect x="-170" y="-60" width="340" height="250" rx="14" fill="C"/><rect x="-190" y="-120" '
        'width="380" height="80" rx="14" fill="#d6a84a"/><rect x="-25" y="-120" width="50" height="310" '
        'fill="#f4e3b5"/><path d="M0,-120 Q-110,-230 -120,-150 Q-110,-120 0,-120 Q110,-230 120,-150 '
        'Q110,-120 0,-120 Z" fill="#f4e3b5"/>',
    ),
    "home": (
        "家居日用",
        "#4f7f3a",
        "#ebf3e6",
        '<rect x="-150" y="-130" width="240" height="300" rx="30" fill="C"/><path d="M90,-70 Q200,-70 '
        '200,20 Q200,110 90,110" fill="none" stroke="C" stroke-width="40"/><path d="M-110,-180 Q-90,-220 '
        '-110,-260 M-30,-180 Q-10,-220 -30,-260" fill="none" stroke="#9cc08a" stroke-width="14"/>',
    ),
    "medical_device": (
        "医疗器械",
        "#2e7bc4",
        "#e5f0fa",
        '<circle cx="0" cy="0" r="190" fill="C"/><path d="M-40,-120 H40 V-40 H120 V40 H40 V120 H-40 V40 '
        'H-120 V-40 H-40 Z" fill="#fff"/>',
    ),
}
VIEWS = [("正面", 0, 1.0), ("侧面", -12, 0.92), ("细节", 8, 1.25)]


def svg(kind: str, view: int) -> str:
    name, colour, light, drawing = KINDS[kind]
    label, angle, scale = VIEWS[view]
    drawing = drawing.replace('"C"', f'"{colour}"')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000" viewBox="0 0 1000 1000">'
        f'<rect width="1000" height="1000" fill="{light}"/>'
        f'<circle cx="500" cy="470" r="330" fill="#fff" opacity="0.7"/>'
        f'<g transform="translate(500 460) rotate({angle}) scale({scale})">{drawing}</g>'
        '<g font-family="WenQuanYi Micro Hei, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif">'
        f'<text x="500" y="880" font-size="52" text-anchor="middle" fill="{colour}">{name}</text>'
        f'<text x="500" y="945" font-size="34" text-anchor="middle" fill="#8a8f98">示例图片 · {label}</text>'
        "</g></svg>\n"
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        for view in range(len(VIEWS)):
            (OUT / f"{kind}-{view}.svg").write_text(svg(kind, view), encoding="utf-8")
    print(f"{len(KINDS) * len(VIEWS)} pictures in {OUT}")


if __name__ == "__main__":
    main()
