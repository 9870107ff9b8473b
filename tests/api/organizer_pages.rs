//! What a first-time organizer meets on the admin pages.

use crate::helpers::{contest_fixture, spawn_app, TestApp, CONTEST};

async fn text(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    browser
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn post_form(
    browser: &reqwest::Client,
    app: &TestApp,
    path: &str,
    field: (&str, &str),
) -> reqwest::Response {
    browser
        .post(app.url(path))
        .form(&[field])
        .send()
        .await
        .unwrap()
}

/// A contest as the public API shows it.
async fn public_contest(app: &TestApp, slug: &str) -> serde_json::Value {
    app.get(&format!("/api/v1/contests/{slug}"), "")
        .await
        .json()
        .await
        .unwrap()
}

/// The status of the contest's first round, as the public API says it.
async fn round_status(app: &TestApp) -> serde_json::Value {
    let c: serde_json::Value = public_contest(app, CONTEST).await;
    c["rounds"][0]["status"].clone()
}

/// Closing a round early and publishing prizes cannot be undone by an
/// organizer: both forms ask to tick a box that names the consequence, and
/// the server refuses the action without it (a stray tap changes nothing).
#[tokio::test]
async fn dangerous_actions_need_a_confirmation_that_names_the_consequence() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let browser = crate::security::page_login_as(&app, "admin").await;
    let page = text(&browser, &app, &format!("/admin/contests/{CONTEST}")).await;
    let form = &page[page.find("/rounds/1/close\"").expect("the close form")..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(
        form.contains("name=\"confirm\"") && form.contains("required"),
        "{form}"
    );
    assert!(
        form.contains("nộp tự động"),
        "the consequence is named: {form}"
    );

    let close = format!("/admin/contests/{CONTEST}/rounds/1/close");
    let r = post_form(&browser, &app, &close, ("x", "")).await;
    assert_eq!(r.status(), 400, "no confirmation, no close");
    assert!(r.text().await.unwrap().contains("ô xác nhận"));
    assert_eq!(round_status(&app).await, "open", "the round is still open");
    let r = post_form(&browser, &app, &close, ("confirm", "yes")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(round_status(&app).await, "closed");

    let publish = format!("/admin/contests/{CONTEST}/rounds/1/prizes/publish");
    let r = post_form(&browser, &app, &publish, ("x", "")).await;
    assert_eq!(r.status(), 400, "no confirmation, nothing published");
}

/// Vietnamese pages carry no English leftovers: headings, question kinds,
/// the audit log, error pages.
#[tokio::test]
async fn pages_speak_vietnamese_only() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let browser = crate::security::page_login_as(&app, "admin").await;
    let mut pages = vec![
        "/admin/units".to_string(),
        "/admin/banks".to_string(),
        "/admin/contests".to_string(),
        "/admin/activity-scheme".to_string(),
        "/khong-co-trang-nay".to_string(),
    ];
    for tail in ["", "/results", "/review", "/access", "/rounds/1/prizes"] {
        pages.push(format!("/admin/contests/{CONTEST}{tail}"));
    }
    let banks = text(&browser, &app, "/admin/banks").await;
    let bank = banks
        .split("href=\"/admin/banks/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    pages.push(format!("/admin/banks/{bank}"));
    for path in pages {
        let html = text(&browser, &app, &path).await;
        for leftover in [
            "Unit tree",
            ">Live<",
            "Audit",
            "Question banks",
            "Contests<",
            "Sign in",
            "duplicate review",
            "co-organizer",
            "Not found",
            "version ",
            " single<",
            "true_false",
            "Yearly scheme",
        ] {
            assert!(!html.contains(leftover), "{leftover:?} on {path}");
        }
    }
}

/// Empty pages say what to do next: the first steps for an organizer with
/// no contest, the order of work on the prizes page, and why the review
/// page is empty.
#[tokio::test]
async fn empty_pages_tell_a_new_organizer_what_to_do() {
    let app = spawn_app().await;
    app.create_user("admin", "admin", None);
    let browser = crate::security::page_login_as(&app, "admin").await;
    // With no contest yet, the first screen is the list with its steps.
    let start = browser.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(start.headers()["location"], "/admin/contests");
    let list = text(&browser, &app, "/admin/contests").await;
    assert!(list.contains("Bắt đầu trong bốn bước"));
    for step in [
        "href=\"/admin/units\"",
        "href=\"/admin/banks\"",
        "href=\"/admin/contests/new\"",
        "Chia sẻ",
    ] {
        assert!(list.contains(step), "{step}");
    }
    drop(browser);

    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let browser = crate::security::page_login_as(&app, "admin").await;
    let start = browser.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(
        start.headers()["location"],
        "/admin/units",
        "then the unit tree"
    );
    let prizes = text(
        &browser,
        &app,
        &format!("/admin/contests/{CONTEST}/rounds/1/prizes"),
    )
    .await;
    assert!(
        prizes.contains("Bước 1: nhập các hạng giải"),
        "the order of work"
    );
    let review = text(&browser, &app, &format!("/admin/contests/{CONTEST}/review")).await;
    assert!(review.contains("Không có gì cần rà soát"));
    let list = text(&browser, &app, "/admin/contests").await;
    assert!(
        !list.contains("Bắt đầu trong bốn bước"),
        "not once there is a contest"
    );
}

/// A 403 page says which account is signed in, so a co-organizing office
/// knows why it cannot open an organizer's page.
#[tokio::test]
async fn a_refused_page_names_the_account_that_is_signed_in() {
    let app = spawn_app().await;
    app.create_user("ubnd-xem", "viewer", None);
    let browser = crate::security::page_login_as(&app, "ubnd-xem").await;
    let r = browser.get(app.url("/admin/units")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("Bạn đang đăng nhập là"), "{html}");
    assert!(html.contains("ubnd-xem"));
}

/// The rank of each phone on the final board of round 1.
async fn final_board(app: &TestApp) -> (bool, Vec<(String, i64)>) {
    let b: serde_json::Value = app
        .get(
            &format!("/api/v1/contests/{CONTEST}/rounds/1/leaderboard"),
            "",
        )
        .await
        .json()
        .await
        .unwrap();
    let rows = b["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["masked_phone"].as_str().unwrap().to_string(),
                e["rank"].as_i64().unwrap(),
            )
        })
        .collect();
    (b["final"].as_bool().unwrap(), rows)
}

/// A round closed by mistake: an admin reopens it with a reason (audited),
/// participants go on, and the final order is computed again at the next
/// close. Organizers cannot; published prizes freeze it for good.
#[tokio::test]
async fn an_admin_reopens_a_round_closed_by_mistake_and_the_order_is_frozen_again() {
    use crate::helpers::{attempt, join, submit};
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let first = join(&app, "0910000001", "CD-A1", "doan_vien").await;
    let id = attempt(&app, &first, 4).await;
    submit(&app, &first, &id, None).await;
    let browser = crate::security::page_login_as(&app, "admin").await;
    let close = format!("/admin/contests/{CONTEST}/rounds/1/close");
    let r = post_form(&browser, &app, &close, ("confirm", "yes")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(round_status(&app).await, "closed");
    assert!(final_board(&app).await.0, "frozen at close");

    // The edit form shows when it really closed; the page offers reopening.
    let page = text(&browser, &app, &format!("/admin/contests/{CONTEST}")).await;
    assert!(page.contains("Đã đóng sớm"), "{page}");
    assert!(page.contains("Mở lại vòng 1"), "{page}");
    let edit = text(&browser, &app, &format!("/admin/contests/{CONTEST}/edit")).await;
    let api: serde_json::Value = public_contest(&app, CONTEST).await;
    let closed_at = api["rounds"][0]["closes_at"].as_str().unwrap()[..16].to_string();
    assert!(
        edit.contains(&format!("value=\"{closed_at}\"")),
        "the actual close time {closed_at} is in the form"
    );

    // Without a reason, in the past, without the tick: every problem at its field.
    let reopen = format!("/admin/contests/{CONTEST}/rounds/1/reopen");
    let r = browser
        .post(app.url(&reopen))
        .form(&[("until", "2020-01-01T08:00"), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    for field in ["until", "reason", "confirm"] {
        assert!(
            page.contains(&format!("id=\"{field}-err\"")),
            "{field}: {page}"
        );
    }
    assert_eq!(round_status(&app).await, "closed", "nothing changed");

    // An organizer of the contest may not reopen.
    app.create_user("btc-tinh", "organizer", Some("TINH"));
    let org = app.login("btc-tinh").await;
    let until = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let body = serde_json::json!({"until": until, "reason": "đóng nhầm"});
    let r = app
        .post(
            &format!("/api/v1/contests/{CONTEST}/rounds/1/reopen"),
            &org,
            &body,
        )
        .await;
    assert_eq!(r.status(), 403);

    let local = (chrono::Utc::now() + chrono::Duration::hours(7) + chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let r = browser
        .post(app.url(&reopen))
        .form(&[
            ("until", local.as_str()),
            ("reason", "Đóng nhầm vòng"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(round_status(&app).await, "open");
    assert!(!final_board(&app).await.0, "the frozen order is dropped");
    let access = text(&browser, &app, &format!("/admin/contests/{CONTEST}/access")).await;
    assert!(
        access.contains("Mở lại vòng thi") && access.contains("Đóng nhầm vòng"),
        "audited with the reason: {access}"
    );

    // Someone takes part after the reopening and does better.
    let second = join(&app, "0910000002", "CD-A1", "doan_vien").await;
    let id = attempt(&app, &second, 8).await;
    submit(&app, &second, &id, None).await;
    let r = post_form(&browser, &app, &close, ("confirm", "yes")).await;
    assert_eq!(r.status(), 303);
    let (is_final, rows) = final_board(&app).await;
    assert!(is_final);
    assert_eq!(rows.len(), 2);
    assert!(rows[0].0.ends_with("002") && rows[0].1 == 1, "{rows:?}");
    assert!(rows[1].0.ends_with("001") && rows[1].1 == 2, "{rows:?}");

    // Published prizes: no reopening.
    let round = format!("/api/v1/contests/{CONTEST}/rounds/1");
    let admin = app.login("admin").await;
    let r = app
        .put(
            &format!("{round}/prizes/plan"),
            &admin,
            &serde_json::json!({"tiers": "Giải Nhất: 1"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            &format!("{round}/prizes/publish"),
            &admin,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app.post(&format!("{round}/reopen"), &admin, &body).await;
    assert_eq!(r.status(), 422);
    let err: serde_json::Value = r.json().await.unwrap();
    assert!(
        err["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("đã công bố"),
        "{err}"
    );
    let page = text(&browser, &app, &format!("/admin/contests/{CONTEST}")).await;
    assert!(!page.contains("Mở lại vòng 1"), "not offered any more");
}

/// Results, winners and unit statistics print as documents to sign: the
/// administrative heading, the table, the signature block.
#[tokio::test]
async fn printed_results_start_with_the_administrative_heading() {
    use crate::helpers::{attempt, join, submit};
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let t = join(&app, "0910000001", "CD-A1", "doan_vien").await;
    let id = attempt(&app, &t, 6).await;
    submit(&app, &t, &id, None).await;
    let browser = crate::security::page_login_as(&app, "admin").await;
    let dashboard = text(
        &browser,
        &app,
        &format!("/admin/contests/{CONTEST}/results"),
    )
    .await;
    assert!(dashboard.contains(&format!("/admin/contests/{CONTEST}/rounds/1/print/winners")));
    let today = chrono::Utc::now() + chrono::Duration::hours(7);
    for (what, title) in [
        ("results", "KẾT QUẢ VÒNG 1"),
        ("winners", "DỰ KIẾN DANH SÁCH ĐOẠT GIẢI VÒNG 1"),
        ("units", "THỐNG KÊ THEO ĐƠN VỊ VÒNG 1"),
    ] {
        let page = text(
            &browser,
            &app,
            &format!("/admin/contests/{CONTEST}/rounds/1/print/{what}"),
        )
        .await;
        assert!(page.contains("ĐOÀN TNCS HỒ CHÍ MINH"), "{what}: {page}");
        assert!(page.contains("TỈNH ĐOÀN THỬ NGHIỆM"), "{what}");
        assert!(
            page.contains(&format!("Thử Nghiệm, ngày {}", today.format("%d"))),
            "{what}: the date line"
        );
        assert!(page.contains(title), "{what}: {title}");
        assert!(page.contains("Hội thi thử nghiệm"), "{what}: the contest");
        assert!(
            page.contains("NGƯỜI LẬP BIỂU"),
            "{what}: the signature block"
        );
    }
    let page = text(
        &browser,
        &app,
        &format!("/admin/contests/{CONTEST}/rounds/1/print/results"),
    )
    .await;
    assert!(page.contains("Nguyễn Văn An"), "the rows are there");
    let r = browser
        .get(app.url(&format!("/admin/contests/{CONTEST}/rounds/1/print/other")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// The contest form's fields as a first-timer fills them.
fn contest_form(title: &str, slug: &str, rounds: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("title", title),
        ("slug", slug),
        ("description", ""),
        ("unit_code", "XA-A"),
        ("eligible_unit_code", ""),
        ("co_organizers", "Văn phòng UBND xã An Phú"),
        ("bank_slug", "dich-vu-cong-truc-tuyen-2023"),
        ("bank_version", ""),
        ("bp.cong-dvc.easy", "2"),
        ("bp.vneid.medium", "1"),
        ("minutes", "15"),
        ("attempts_per_round", "2"),
        ("grace_seconds", "10"),
        ("prediction_prompt", ""),
        ("prediction_target", "perfect"),
        ("age_min", "16"),
        ("age_max", "35"),
        ("identity_check", "birth_date"),
        // The bank is shared from above without its keys: the form leaves
        // "show answers after the close" unticked for it.
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (o, c) in rounds {
        f.push(("round_open".into(), o.to_string()));
        f.push(("round_close".into(), c.to_string()));
    }
    f
}

async fn post_pairs(
    browser: &reqwest::Client,
    app: &TestApp,
    path: &str,
    pairs: &[(String, String)],
) -> (u16, String) {
    let r = browser
        .post(app.url(path))
        .form(pairs)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The message under a field, if the page shows one.
fn error_at(page: &str, field: &str) -> Option<String> {
    let at = page.find(&format!("id=\"{field}-err\""))?;
    let rest = &page[at..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    Some(rest[..rest.find("</").unwrap()].to_string())
}

/// A first-time organizer fills the contest form: units from a searchable
/// list, the code suggested from the title, the blueprint's total, any
/// number of rounds, every error at its field at once, and rules text with
/// its own page.
#[tokio::test]
async fn a_first_timer_fills_the_contest_form_with_every_error_at_its_field() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    app.create_user("btc-xa-a", "organizer", Some("XA-A"));
    let browser = crate::security::page_login_as(&app, "btc-xa-a").await;
    let page = text(&browser, &app, "/admin/contests/new").await;
    assert!(
        page.contains("data-filter-for=\"unit_code\""),
        "a searchable unit list"
    );
    assert!(
        page.contains("data-f=\"chi doan thon 1\""),
        "folded names to search"
    );
    assert!(!page.contains("XA-B"), "only the organizer's subtree");
    assert!(page.contains("data-slug-from=\"title\""));
    assert!(page.contains("id=\"bp-total\""));
    assert!(page.contains("name=\"add_round\""));
    assert!(page.contains("name=\"rules\""));
    assert!(
        page.contains("name=\"show_answers\"")
            && !page.contains("name=\"show_answers\" value=\"true\" checked"),
        "answers after the close are not offered on a bank shared from above"
    );

    // Everything wrong at once, each beside its field; nothing saved.
    let mut bad = contest_form("", "Mã Sai!", &[("2026-12-10T08:00", "2026-12-09T08:00")]);
    bad.retain(|(k, _)| k != "unit_code" && k != "minutes");
    bad.push(("unit_code".into(), "".into()));
    bad.push(("minutes".into(), "0".into()));
    bad.push(("bp.thanh-nien.hard".into(), "999".into()));
    let (status, page) = post_pairs(&browser, &app, "/admin/contests", &bad).await;
    assert_eq!(status, 422);
    for field in [
        "title",
        "slug",
        "unit_code",
        "minutes",
        "rounds",
        "blueprint",
    ] {
        assert!(
            error_at(&page, field).is_some(),
            "{field} has its message: {page}"
        );
    }
    assert!(page.contains("Văn phòng UBND xã An Phú"), "typed text kept");
    assert!(page.contains("value=\"999\""), "the blueprint kept");

    // "+ Thêm vòng" without the script: one more empty row, nothing saved.
    let mut more = contest_form(
        "Hội thi tuần",
        "",
        &[("2026-12-07T08:00", "2026-12-13T20:00")],
    );
    more.push(("round_open".into(), "".into()));
    more.push(("round_close".into(), "".into()));
    more.push(("add_round".into(), "1".into()));
    let (status, page) = post_pairs(&browser, &app, "/admin/contests", &more).await;
    assert_eq!(status, 200);
    assert_eq!(
        page.matches("name=\"round_open\"").count(),
        3,
        "the filled row and two empty ones"
    );
    assert!(page.contains("value=\"2026-12-07T08:00\""));

    // Five weekly rounds, a rules text, the code from the title.
    let weeks: Vec<(String, String)> = (0..5)
        .map(|w| {
            let d =
                chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap() + chrono::Duration::weeks(w);
            (
                format!("{}T08:00", d),
                format!("{}T20:00", d + chrono::Duration::days(6)),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = weeks
        .iter()
        .map(|(o, c)| (o.as_str(), c.as_str()))
        .collect();
    let mut good = contest_form("Hội thi tìm hiểu Luật Thanh niên năm 2027", "", &refs);
    good.push((
        "rules".into(),
        "Đối tượng:\n- Đoàn viên\n- Thanh niên\n\nCách thi:\n1. Đăng ký\n2. Làm bài".into(),
    ));
    let r = browser
        .post(app.url("/admin/contests"))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let slug = "hoi-thi-tim-hieu-luat-thanh-nien-nam-2027";
    assert_eq!(
        r.headers()["location"],
        format!("/admin/contests/{slug}?msg=saved").as_str()
    );
    let c: serde_json::Value = public_contest(&app, slug).await;
    assert_eq!(c["rounds"].as_array().unwrap().len(), 5);
    assert_eq!(c["questions"], 3);
    assert_eq!(c["organizer"], "Đoàn xã An Phú");
    let home = text(&browser, &app, &format!("/c/{slug}")).await;
    assert!(
        home.contains(&format!("href=\"/c/{slug}/rules\"")),
        "linked from the contest page"
    );
    let rules = text(&browser, &app, &format!("/c/{slug}/rules")).await;
    assert!(
        rules.contains("<ul><li>Đoàn viên</li><li>Thanh niên</li></ul>"),
        "{rules}"
    );
    assert!(
        rules.contains("<ol><li>Đăng ký</li><li>Làm bài</li></ol>"),
        "{rules}"
    );
    let poster = text(&browser, &app, &format!("/c/{slug}/poster")).await;
    assert!(
        poster.contains("/rules") && poster.contains("Đoàn xã An Phú"),
        "{poster}"
    );

    // Editing: drop the last round ("Bỏ vòng này"), the form keeps the rest.
    let edit = text(&browser, &app, &format!("/admin/contests/{slug}/edit")).await;
    assert_eq!(
        edit.matches("name=\"round_open\"").count(),
        6,
        "5 rounds and an empty row"
    );
    let mut fewer = good.clone();
    fewer.push(("round_drop".into(), "4".into()));
    let r = browser
        .post(app.url(&format!("/admin/contests/{slug}")))
        .form(&fewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let c: serde_json::Value = public_contest(&app, slug).await;
    assert_eq!(c["rounds"].as_array().unwrap().len(), 4);

    // The same code again: said at the code's field.
    let mut again = good.clone();
    again.retain(|(k, _)| k != "slug");
    again.push(("slug".into(), slug.into()));
    let (status, page) = post_pairs(&browser, &app, "/admin/contests", &again).await;
    assert_eq!(status, 422);
    assert!(
        error_at(&page, "slug").unwrap().contains("đã được dùng"),
        "{page}"
    );
}

/// A unit's logo is its emblem on the contest page, the poster and shared
/// previews; only a real PNG or JPEG is taken; without one, a neutral
/// default and a default preview card.
#[tokio::test]
async fn a_unit_logo_is_the_emblem_of_its_contests_and_their_shared_previews() {
    let app = spawn_app().await;
    contest_fixture(&app, 15, 1).await;
    let home = text(&app.client, &app, &format!("/c/{CONTEST}")).await;
    let origin = app.url("");
    assert!(home.contains("src=\"/u/TINH/logo\""), "the emblem slot");
    assert!(
        home.contains("Tỉnh đoàn Thử Nghiệm"),
        "the organizer's name"
    );
    assert!(
        home.contains(&format!(
            "property=\"og:image\" content=\"{origin}/static/og-card.png?v="
        )),
        "the default card: {home}"
    );
    let card = app
        .client
        .get(app.url("/static/og-card.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(card.headers()["content-type"], "image/png");
    assert!(card.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let default = app
        .client
        .get(app.url("/u/TINH/logo"))
        .send()
        .await
        .unwrap();
    assert_eq!(default.headers()["content-type"], "image/svg+xml");

    let browser = crate::security::page_login_as(&app, "admin").await;
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        browser
            .post(app.url("/admin/units/TINH/logo"))
            .multipart(form)
            .send()
    };
    let r = upload(b"<svg onload=alert(1)></svg>".to_vec(), "logo.png")
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("PNG hoặc JPEG"));
    let r = upload(vec![0u8; 300 * 1024], "big.png").await.unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("Tệp quá lớn (tối đa 200 KB)"), "{page}");
    assert!(!page.contains("1 MB"), "{page}");

    // A PNG header alone (or before anything else) is not a picture.
    let mut header_only = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    header_only.extend(64u32.to_be_bytes());
    header_only.extend(64u32.to_be_bytes());
    header_only.extend([8, 6, 0, 0, 0]);
    header_only.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let r = upload(header_only, "logo.png").await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("hỏng"));
    // A real one is stored as this program encodes it again.
    let picture = image::RgbaImage::from_pixel(64, 48, image::Rgba([11, 92, 173, 255]));
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let mut png = png.into_inner();
    png.extend_from_slice(b"<!-- trailing bytes are not kept -->");
    let r = upload(png.clone(), "logo.png").await.unwrap();
    assert_eq!(r.status(), 303);
    let logo = app
        .client
        .get(app.url("/u/TINH/logo"))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.headers()["content-type"], "image/png");
    let stored = logo.bytes().await.unwrap().to_vec();
    assert_ne!(stored, png);
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (64, 48));
    let home = text(&app.client, &app, &format!("/c/{CONTEST}")).await;
    assert!(
        home.contains(&format!(
            "property=\"og:image\" content=\"{origin}/u/TINH/logo\""
        )),
        "{home}"
    );
    assert!(home.contains(&format!(
        "property=\"og:url\" content=\"{origin}/c/{CONTEST}\""
    )));
    // An organizer of another unit may not change it.
    app.create_user("btc-xa-b", "organizer", Some("XA-B"));
    let other = crate::security::page_login_as(&app, "btc-xa-b").await;
    let r = other
        .post(app.url("/admin/units/TINH/logo/delete"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = browser
        .post(app.url("/admin/units/TINH/logo/delete"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let default = app
        .client
        .get(app.url("/u/TINH/logo"))
        .send()
        .await
        .unwrap();
    assert_eq!(default.headers()["content-type"], "image/svg+xml");
}
