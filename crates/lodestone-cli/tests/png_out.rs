//! `report --png` on the real binary: with the `png` feature every chart the report draws
//! is a PNG that decodes, has its SVG's width and height, and is not blank (the chart with
//! Chinese labels and the tofu rule are unit tests of `src/png.rs`); without it, a clear
//! error (exit 2).

mod common;

use common::{run, text, tiny, two_scenarios};
#[cfg(feature = "png")]
use resvg::tiny_skia::Pixmap;

#[cfg(not(feature = "png"))]
#[test]
fn png_without_the_feature_is_a_clear_error() {
    let (_dir, a, _b) = two_scenarios();
    let tiny = tiny();
    let o = run(&["report", &a, "--data", tiny.to_str().unwrap(), "--png"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(
        t.contains("--features png") && !t.contains("panicked"),
        "{t}"
    );
}

#[cfg(feature = "png")]
/// `width` and `height` of an SVG document's root element.
fn svg_size(svg: &str) -> (u32, u32) {
    let root = &svg[svg.find("<svg").unwrap()..];
    let root = &root[..root.find('>').unwrap()];
    let get = |name: &str| -> u32 {
        let at = root.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let v = &root[at..at + root[at..].find('"').unwrap()];
        v.parse::<f64>().unwrap().round() as u32
    };
    (get("width"), get("height"))
}

#[cfg(feature = "png")]
#[test]
fn every_chart_is_a_png_of_its_svg_size_and_not_blank() {
    let (dir, a, b) = two_scenarios();
    let tiny = tiny();
    let out = dir.path().join("report");
    let o = run(&[
        "report",
        &a,
        &b,
        "--data",
        tiny.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--svg",
        "--png",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let charts = out.join("tiny-a-vs-tiny-b-charts");
    let mut svgs: Vec<_> = std::fs::read_dir(&charts)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .collect();
    svgs.sort();
    assert!(svgs.len() >= 5, "{svgs:?}");
    for svg in &svgs {
        let png = svg.with_extension("png");
        let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        let p = Pixmap::decode_png(&bytes).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        let size = svg_size(&std::fs::read_to_string(svg).unwrap());
        assert_eq!((p.width(), p.height()), size, "{}", png.display());
        let first = p.pixels()[0];
        let varied = p.pixels().iter().filter(|c| **c != first).count();
        assert!(
            varied > 500,
            "{}: blank ({varied} pixels differ)",
            png.display()
        );
    }
}

#[cfg(feature = "png")]
#[test]
fn png_without_svg_writes_only_pngs() {
    let (dir, a, _b) = two_scenarios();
    let tiny = tiny();
    let out = dir.path().join("r");
    let d = tiny.to_str().unwrap();
    let o = run(&[
        "report",
        &a,
        "--data",
        d,
        "--out",
        out.to_str().unwrap(),
        "--png",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let files: Vec<String> = std::fs::read_dir(out.join("tiny-a-charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !files.is_empty() && files.iter().all(|f| f.ends_with(".png")),
        "{files:?}"
    );
}
