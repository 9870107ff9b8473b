//! Stored pictures: stored once by their content hash, served publicly from
//! `/media/{sha256}.{ext}` with long caching, 404 for any other name.

use hoithi::error::AppError;
use hoithi::service::media;
use sha2::{Digest, Sha256};

use crate::helpers::spawn_app;

fn png(w: u32, h: u32) -> Vec<u8> {
    let picture = image::RgbaImage::from_fn(w, h, |x, y| {
        let inside = (x as i64 - w as i64 / 2).pow(2) + (y as i64 - h as i64 / 2).pow(2)
            < (h as i64 / 3).pow(2);
        if inside {
            image::Rgba([200, (x % 256) as u8, 40, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(picture)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// An anonymous visitor: no cookie, no session.
fn anonymous() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

#[tokio::test]
async fn a_stored_picture_is_served_to_anyone_with_its_type_and_a_year_of_caching() {
    let app = spawn_app().await;
    let stored = media::store(&app.state, png(1200, 600)).await.unwrap();
    assert_eq!((stored.ext, stored.width, stored.height), ("png", 800, 400));
    assert_eq!(stored.path(), format!("/media/{}.png", stored.sha256));

    let r = anonymous()
        .get(app.url(&stored.path()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(h["etag"], format!("\"{}\"", stored.sha256).as_str());
    assert_eq!(h["x-content-type-options"], "nosniff");
    // The rest of the security headers, from the app's middleware.
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let body = r.bytes().await.unwrap();
    assert!(body.len() <= 80 * 1024, "{}", body.len());
    assert_eq!(hex::encode(Sha256::digest(&body)), stored.sha256);
    let back = image::load_from_memory(&body).unwrap();
    assert_eq!((back.width(), back.height()), (800, 400));

    // Served again (from memory now): the same bytes.
    let again = anonymous()
        .get(app.url(&stored.path()))
        .send()
        .await
        .unwrap();
    assert_eq!(again.bytes().await.unwrap(), body);

    // A photo is a JPEG at its own address.
    let photo = media::store(&app.state, jpeg(300, 200)).await.unwrap();
    assert_eq!(photo.ext, "jpg");
    let r = anonymous()
        .get(app.url(&photo.path()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
}

#[tokio::test]
async fn head_gives_the_headers_and_if_none_match_a_304() {
    let app = spawn_app().await;
    let stored = media::store(&app.state, jpeg(64, 48)).await.unwrap();
    let url = app.url(&stored.path());
    let etag = format!("\"{}\"", stored.sha256);

    let head = anonymous().head(&url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-type"], "image/jpeg");
    assert_eq!(head.headers()["etag"], etag.as_str());
    let length: usize = head.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(length > 100, "{length}");
    assert!(head.bytes().await.unwrap().is_empty());

    for sent in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
    ] {
        let r = anonymous()
            .get(&url)
            .header("if-none-match", &sent)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304, "{sent}");
        assert_eq!(r.headers()["etag"], etag.as_str());
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(r.bytes().await.unwrap().is_empty());
    }
    let r = anonymous()
        .get(&url)
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn any_other_name_is_a_404_never_a_500() {
    let app = spawn_app().await;
    let stored = media::store(&app.state, png(100, 100)).await.unwrap();
    let sha = &stored.sha256;
    let unknown = "0".repeat(64);
    for path in [
        format!("/media/{unknown}.png"),
        format!("/media/{sha}.jpg"),
        format!("/media/{sha}.jpeg"),
        format!("/media/{sha}.PNG"),
        format!("/media/{}.png", sha.to_uppercase()),
        format!("/media/{}.png", &sha[..63]),
        format!("/media/{sha}0.png"),
        format!("/media/{sha}"),
        format!("/media/{sha}."),
        format!("/media/{sha}.png.png"),
        format!("/media/{sha}.png%2500"),
        format!("/media/%2e%2e%2f{sha}.png"),
        format!("/media/{}.png", "ä".repeat(32)),
        format!("/media/{}.png", "a".repeat(5000)),
        "/media/.png".to_string(),
        "/media/".to_string(),
    ] {
        for head in [false, true] {
            let client = anonymous();
            let req = if head {
                client.head(app.url(&path))
            } else {
                client.get(app.url(&path))
            };
            let status = req.send().await.unwrap().status();
            assert_eq!(status, 404, "{} {path}", if head { "HEAD" } else { "GET" });
        }
    }
    // A control character is refused by the edge before any route (400).
    let nul = format!("/media/{sha}.png%00");
    let r = anonymous().get(app.url(&nul)).send().await.unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn the_same_picture_stored_at_once_by_many_is_one_row_and_no_error() {
    let app = spawn_app().await;
    let bytes = png(640, 480);
    let stores = (0..6).map(|_| media::store(&app.state, bytes.clone()));
    let refs = futures_util::future::join_all(stores).await;
    let first = refs[0].as_ref().unwrap().clone();
    for r in &refs {
        assert_eq!(r.as_ref().unwrap(), &first);
    }
    // Stored again later: the same name, still one row.
    assert_eq!(media::store(&app.state, bytes).await.unwrap(), first);
    assert_eq!(media_rows(&app), 1, "one row");
    let got = media::get(&app.state, first.sha256.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((got.width, got.height, got.ext), (640, 480, "png"));
    assert!(media::get(&app.state, "f".repeat(64))
        .await
        .unwrap()
        .is_none());
    assert!(media::get(&app.state, "not a hash".into())
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_refused_picture_is_invalid_input_with_its_reason_and_stores_nothing() {
    let app = spawn_app().await;
    let mut html = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    html.extend(100u32.to_be_bytes());
    html.extend(100u32.to_be_bytes());
    html.extend([8, 6, 0, 0, 0]);
    html.extend_from_slice(b"<html><script>alert(1)</script></html>");
    match media::store(&app.state, html).await {
        Err(AppError::InvalidInput { vi, en }) => {
            assert!(vi.contains("hỏng"), "{vi}");
            assert!(en.contains("damaged"), "{en}");
        }
        other => panic!("{other:?}"),
    }
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bomb.extend(50_000u32.to_be_bytes());
    bomb.extend(50_000u32.to_be_bytes());
    bomb.extend([8, 6, 0, 0, 0]);
    assert!(matches!(
        media::store(&app.state, bomb).await,
        Err(AppError::InvalidInput { .. })
    ));
    assert_eq!(media_rows(&app), 0, "nothing stored");
}

/// Rows of the media table.
fn media_rows(app: &crate::helpers::TestApp) -> i64 {
    app.state
        .db
        .read_now(|c| {
            use diesel::prelude::*;
            Ok(hoithi::db::schema::media::table
                .count()
                .get_result::<i64>(c)?)
        })
        .expect("count")
}
