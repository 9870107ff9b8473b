//! What a first-time participant sees on the contest page when something is
//! wrong: each message beside its field, in Vietnamese, nothing typed lost.

use crate::helpers::{contest_fixture, participant, spawn_app, TestApp, CONTEST};

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = app
        .browser(reqwest::redirect::Policy::none())
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The opening tag of the element with `id` (its attributes).
fn tag_with_id<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

#[tokio::test]
async fn registration_errors_stand_beside_their_fields_and_nothing_typed_is_lost() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let (status, html) = post_form(
        &app,
        &format!("/c/{CONTEST}/register"),
        &[
            ("full_name", "Nguyễn Văn An"),
            ("birth_date", "2/9/2099"),
            ("phone", "12345"),
            ("unit_code", "CD-A1"),
            ("category", "thanh_nien"),
            ("email", "an@example.vn"),
            ("consent", "true"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    // Each wrong field is marked, described by its own message, in Vietnamese.
    for (field, says) in [
        ("birth_date", "Ngày sinh không thể ở tương lai"),
        ("phone", "Số điện thoại không hợp lệ"),
    ] {
        let input = tag_with_id(&html, field);
        assert!(input.contains("aria-invalid=\"true\""), "{input}");
        assert!(
            input.contains(&format!("aria-describedby=\"{field}-err\"")),
            "{input}"
        );
        let err = &html[html.find(&format!("id=\"{field}-err\"")).unwrap()..];
        assert!(
            err[..300.min(err.len())].contains(says),
            "{field}: {err:.300}"
        );
    }
    assert!(
        !html.contains("tuổi)"),
        "no age is computed from a future birth date"
    );
    // The first wrong field (in form order) takes the focus.
    assert!(tag_with_id(&html, "birth_date").contains("autofocus"));
    assert!(!tag_with_id(&html, "phone").contains("autofocus"));
    assert!(!tag_with_id(&html, "full_name").contains("aria-invalid"));
    // Nothing typed is lost: text, choices and the consent box.
    assert!(tag_with_id(&html, "full_name").contains("value=\"Nguyễn Văn An\""));
    assert!(tag_with_id(&html, "birth_date").contains("value=\"2/9/2099\""));
    assert!(tag_with_id(&html, "email").contains("value=\"an@example.vn\""));
    assert!(html.contains("<option value=\"thanh_nien\" selected>"));
    assert!(tag_with_id(&html, "consent").contains("checked"));
    // One short summary at the top; no raw keys, no English on the page.
    assert!(html.contains("Vui lòng sửa 2 mục được đánh dấu bên dưới."));
    for leftover in [
        "phone —",
        "birth_date —",
        "Invalid phone",
        "Invalid birth date",
        "must",
    ] {
        assert!(!html.contains(leftover), "{leftover:?} on the page");
    }
}

#[tokio::test]
async fn birth_dates_are_taken_as_vietnamese_people_write_them() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    for (phone, birth) in [
        ("0912000001", "2/9/2001"),
        ("0912000002", "02/09/2001"),
        ("0912000003", "2001-09-02"),
    ] {
        let (status, html) = post_form(
            &app,
            &format!("/c/{CONTEST}/register"),
            &[
                ("full_name", "Lê Thị Hoa"),
                ("birth_date", birth),
                ("phone", phone),
                ("unit_code", "CD-A1"),
                ("category", "doan_vien"),
                ("consent", "true"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{birth}: {html}");
    }
}

#[tokio::test]
async fn a_wrong_birth_date_at_sign_in_is_told_in_the_sign_in_panel() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    participant(&app, "0912345678").await; // born 2000-05-01
    let (status, html) = post_form(
        &app,
        &format!("/c/{CONTEST}/signin"),
        &[("phone", "0912 345 678"), ("birth_date", "02/05/2000")],
    )
    .await;
    assert_eq!(status, 401);
    let at = html.find("<details class=\"card\"").unwrap();
    let panel = &html[at..];
    let panel = &panel[..panel.find("</details>").unwrap()];
    assert!(
        panel.starts_with("<details class=\"card\" open"),
        "{panel:.80}"
    );
    assert!(
        panel.contains("Số điện thoại hoặc ngày sinh không đúng."),
        "{panel}"
    );
    assert!(tag_with_id(panel, "si-phone").contains("value=\"0912 345 678\""));
    assert!(tag_with_id(panel, "si-birth").contains("autofocus"));
    let before_panel = &html[..at];
    assert!(
        !before_panel.contains("không đúng"),
        "the message is not above the registration form"
    );
    // The right birth date, typed the Vietnamese way, signs in.
    let (status, _) = post_form(
        &app,
        &format!("/c/{CONTEST}/signin"),
        &[("phone", "0912345678"), ("birth_date", "1/5/2000")],
    )
    .await;
    assert_eq!(status, 303);
}

/// Closes the fixture's only round, as an admin through the API.
async fn close_round(app: &TestApp) {
    let admin = app.login("admin").await;
    let close = format!("/api/v1/contests/{CONTEST}/rounds/1/close");
    let r = app.post(&close, &admin, &serde_json::json!({})).await;
    assert_eq!(r.status(), 200);
}

async fn page(app: &TestApp, path: &str, participant: Option<&str>) -> (u16, String) {
    let mut r = app.client.get(app.url(path));
    if let Some(t) = participant {
        r = r.header("cookie", format!("hoithi_participant={t}"));
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn after_the_contest_its_pages_point_to_the_final_results() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let t = participant(&app, "0912345678").await;
    let id = crate::helpers::attempt(&app, &t, 1).await;
    let (_, home) = page(&app, &format!("/c/{CONTEST}"), Some(&t)).await;
    assert!(
        home.contains("Tiếp tục làm bài lượt 1 (còn 1"),
        "an open attempt reads as one to continue"
    );
    crate::helpers::submit(&app, &t, &id, None).await;

    // Before publication the prize page says when, instead of a 404.
    let (status, prizes) = page(&app, &format!("/c/{CONTEST}/prizes"), None).await;
    assert_eq!(status, 200);
    assert!(
        prizes.contains("Danh sách giải được công bố sau khi vòng 1 kết thúc"),
        "{prizes}"
    );
    let (status, _) = page(&app, &format!("/c/{CONTEST}/prizes?round=9"), None).await;
    assert_eq!(status, 404, "a round that does not exist");
    let (_, result) = page(&app, &format!("/a/{id}/result"), Some(&t)).await;
    assert!(result.contains("hạng tạm thời"));

    close_round(&app).await;
    let (_, home) = page(&app, &format!("/c/{CONTEST}"), None).await;
    assert!(home.contains("Hội thi đã kết thúc"));
    assert!(home.contains(&format!("href=\"/c/{CONTEST}/board\"")));
    assert!(home.contains(&format!("href=\"/c/{CONTEST}/prizes?round=1\"")));
    assert!(
        !home.contains("/register\""),
        "no registration form after the contest"
    );
    let (_, prizes) = page(&app, &format!("/c/{CONTEST}/prizes"), None).await;
    assert!(prizes.contains("Vòng 1 đã kết thúc lúc"), "{prizes}");

    // The result is final, and the answer review does not rely on colour.
    let (_, result) = page(&app, &format!("/a/{id}/result"), Some(&t)).await;
    assert!(result.contains("hạng chung cuộc") && !result.contains("hạng tạm thời"));
    assert!(
        result.contains("✓ đúng — bạn chọn"),
        "the one right answer given"
    );
    assert!(
        result.contains("✓ đáp án đúng"),
        "right answers not given are labelled"
    );
}

#[tokio::test]
async fn the_home_page_lists_contests_to_enter_then_finished_ones() {
    let app = spawn_app().await;
    let (_, empty) = page(&app, "/", None).await;
    assert!(empty.contains("Hiện chưa có hội thi nào đang mở."));
    assert!(empty.contains("href=\"/login\""), "staff sign-in is a link");
    contest_fixture(&app, 15, 1).await;
    let (status, home) = page(&app, "/", None).await;
    assert_eq!(status, 200);
    let open = home.find("Đang diễn ra và sắp diễn ra").unwrap();
    let card = &home[open..];
    assert!(
        card.contains(&format!("href=\"/c/{CONTEST}\"")),
        "{card:.600}"
    );
    assert!(card.contains("Hội thi thử nghiệm") && card.contains("Đang mở, đến "));
    assert!(!home.contains("Đã kết thúc"), "nothing has finished yet");

    close_round(&app).await;
    let (_, home) = page(&app, "/", None).await;
    let closed = &home[home.find("<h2>Đã kết thúc</h2>").unwrap()..];
    assert!(closed.contains(&format!("href=\"/c/{CONTEST}/board\"")));
    assert!(closed.contains(&format!("href=\"/c/{CONTEST}/prizes\"")));
    assert!(home.contains("Hiện chưa có hội thi nào đang mở."));
}

/// The `content` of `<meta property|name="key" content="…">`.
fn meta<'a>(html: &'a str, key: &str) -> Option<&'a str> {
    let at = html
        .find(&format!("property=\"{key}\""))
        .or_else(|| html.find(&format!("name=\"{key}\"")))?;
    let tag_end = at + html[at..].find('>')?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..tag_end];
    let c = tag.find("content=\"")? + "content=\"".len();
    Some(&tag[c..c + tag[c..].find('"')?])
}

#[tokio::test]
async fn shared_links_look_right_in_zalo_and_facebook() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let (_, home) = page(&app, &format!("/c/{CONTEST}"), None).await;
    assert_eq!(meta(&home, "og:title"), Some("Hội thi thử nghiệm"));
    let description = meta(&home, "og:description").unwrap();
    assert!(
        description.contains("8 câu, 15 phút") && description.contains("Văn phòng UBND"),
        "{description}"
    );
    assert_eq!(meta(&home, "description"), Some(description));
    assert_eq!(meta(&home, "og:locale"), Some("vi_VN"));
    // A picture to show: the default card (1200×630) until the unit uploads a logo.
    assert_eq!(meta(&home, "twitter:card"), Some("summary_large_image"));
    assert!(meta(&home, "og:image")
        .unwrap()
        .starts_with(&app.url("/static/og-card.png")));
    assert!(
        description.starts_with("Tỉnh đoàn Thử Nghiệm tổ chức."),
        "{description}"
    );
    assert!(
        home.contains("rel=\"icon\" href=\"data:image/svg+xml,"),
        "a site icon"
    );
    let (_, board) = page(&app, &format!("/c/{CONTEST}/board"), None).await;
    assert_eq!(
        meta(&board, "og:title"),
        Some("Xếp hạng — Hội thi thử nghiệm")
    );
}
