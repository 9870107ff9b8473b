//! Co-organizer access: share links, dashboards with charts, and the
//! authorization matrix over every documented API route.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::helpers::{
    attempt, contest_fixture, join, spawn_with_clock, submit, TestApp, CONTEST, PASSWORD,
};

async fn create_link(app: &TestApp, token: &str, days: i64) -> (String, String) {
    let r = app
        .post(
            &format!("/api/v1/contests/{CONTEST}/share-links"),
            token,
            &json!({"label": "UBND xã", "days": days}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    (
        v["id"].as_str().unwrap().to_string(),
        v["url"].as_str().unwrap().to_string(),
    )
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Every inline SVG of a page, parsed, with its number of bars.
fn charts(html: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + 6;
        let svg = &rest[start..end];
        let doc = roxmltree::Document::parse(svg).expect("valid SVG");
        let label = doc
            .root_element()
            .attribute("aria-label")
            .unwrap_or("")
            .to_string();
        let bars = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bar"))
            .count();
        out.push((label, bars));
        rest = &rest[end..];
    }
    out
}

#[tokio::test]
async fn share_links_show_masked_results_until_revoked_or_expired() {
    let (app, clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    let t = join(&app, "0977123456", "CD-A1", "doan_vien").await;
    let id = attempt(&app, &t, 4).await;
    submit(&app, &t, &id, None).await;

    let (link_id, url) = create_link(&app, &admin, 30).await;
    assert!(url.starts_with("/s/"));
    let (status, html) = page(&app, &url).await;
    assert_eq!(status, 200);
    assert!(html.contains("Hội thi thử nghiệm") && html.contains("09xx xxx 456"));
    assert!(
        !html.contains("0977123456"),
        "a share link never shows a full phone"
    );
    let token = url.trim_start_matches("/s/");
    let api = app
        .client
        .get(app.url(&format!("/api/v1/share/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);

    // A forged token, and a share token used as a staff token, get nothing.
    let (status, html) = page(&app, &format!("/s/{token}x")).await;
    assert_eq!(status, 410);
    assert!(html.contains("không hợp lệ"));
    let as_staff = app
        .get(&format!("/api/v1/contests/{CONTEST}/review"), token)
        .await;
    assert_eq!(as_staff.status(), 401);

    // Revoked: a clear page, not the data.
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/contests/{CONTEST}/share-links/{link_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, html) = page(&app, &url).await;
    assert_eq!(status, 410);
    assert!(
        html.contains("thu hồi") && !html.contains("09xx xxx 456"),
        "{html}"
    );
    let listed: Value = app
        .get(&format!("/api/v1/contests/{CONTEST}/share-links"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["links"][0]["revoked"], true);

    // Expired (by the server's clock): refused too.
    let (_, short) = create_link(&app, &admin, 1).await;
    assert_eq!(page(&app, &short).await.0, 200);
    clock.advance(chrono::Duration::days(2));
    let (status, html) = page(&app, &short).await;
    assert_eq!(status, 410);
    assert!(html.contains("hết hạn"), "{html}");
    // Two days later the organizer signs in again (a sign-in lasts 12 hours
    // on the server's clock). Out-of-range lifetimes are refused.
    let admin = app.login("admin").await;
    let bad = app
        .post(
            &format!("/api/v1/contests/{CONTEST}/share-links"),
            &admin,
            &json!({"days": 0}),
        )
        .await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn the_dashboard_draws_valid_svg_charts_with_one_bar_per_item() {
    let (app, _clock) = spawn_with_clock().await;
    contest_fixture(&app, 15, 1).await;
    for (phone, unit, right) in [
        ("0901000001", "CD-A1", 8),
        ("0901000002", "CD-B1", 3),
        ("0901000003", "CD-A2", 3),
    ] {
        let t = join(&app, phone, unit, "doan_vien").await;
        let id = attempt(&app, &t, right).await;
        submit(&app, &t, &id, None).await;
    }
    // Signed in through the page, as an organizer would.
    let login = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let (status, html) = page(&app, &format!("/admin/contests/{CONTEST}/results")).await;
    assert_eq!(status, 200, "{html}");
    let found = charts(&html);
    // The three charts of the round, and the sample bank's survey question.
    assert_eq!(found.len(), 4, "{found:?}");
    let bars = |prefix: &str| {
        found
            .iter()
            .find(|(l, _)| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no chart {prefix}"))
            .1
    };
    assert_eq!(bars("Số người tham gia theo ngày"), 1, "one day so far");
    assert_eq!(
        bars("Tỉ lệ đoàn viên"),
        2,
        "one bar per commune under the root"
    );
    // 8 questions (4 topics × 2 difficulties × 1): scores 0..=8.
    assert_eq!(bars("Phân bố điểm"), 9);
    assert!(
        html.contains("data-live-url"),
        "the live counter refreshes itself"
    );
    assert!(html.contains("0901000001") || html.contains("09xx xxx 001"));
    assert!(
        html.contains("09xx xxx 001") && !html.contains("0901000001"),
        "the dashboard board is masked"
    );

    let live: Value = app
        .client
        .get(app.url(&format!("/api/v1/contests/{CONTEST}/rounds/1/live")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (live["submitted"].as_i64(), live["in_progress"].as_i64()),
        (Some(3), Some(0))
    );
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Role {
    Admin,
    OrgIn,
    OrgOut,
    Viewer,
    Link,
    Participant,
    Anonymous,
}

pub(crate) const ROLES: [Role; 7] = [
    Role::Admin,
    Role::OrgIn,
    Role::OrgOut,
    Role::Viewer,
    Role::Link,
    Role::Participant,
    Role::Anonymous,
];

/// What the walks need: ids made in the setup.
pub(crate) struct World {
    pub attempt: String,
    pub link_id: String,
    pub link_token: String,
    pub activity: String,
}

/// Organizers in and out of scope, a viewer of the contest, a participant
/// with an attempt, a share link and an activity record; returns the ids
/// and the participant's token.
pub(crate) async fn world(app: &TestApp, admin: &str) -> (World, String) {
    app.create_user("org-in", "organizer", Some("TINH"));
    app.create_user("org-out", "organizer", Some("XA-B"));
    app.create_user("ubnd", "viewer", None);
    // A viewer of a commune: its password is reset by the walks.
    app.create_user("xem-xa-a", "viewer", Some("XA-A"));
    app.post(
        &format!("/api/v1/contests/{CONTEST}/viewers"),
        admin,
        &json!({"username": "ubnd"}),
    )
    .await;
    let participant = join(app, "0915000001", "CD-A1", "doan_vien").await;
    let attempt = attempt(app, &participant, 1).await;
    let (link_id, url) = create_link(app, admin, 30).await;
    let activity: Value = app
        .post(
            "/api/v1/units/CD-A1/activities",
            admin,
            &json!({"kind": "SINH_HOAT", "date": "2026-03-01", "title": "Sinh hoạt", "participants": 5}),
        )
        .await
        .json()
        .await
        .unwrap();
    (
        World {
            attempt,
            link_id,
            link_token: url.trim_start_matches("/s/").to_string(),
            activity: activity["id"].as_str().unwrap().to_string(),
        },
        participant,
    )
}

fn contest_body(app: &TestApp, slug: &str) -> Value {
    let now = app.state.now().and_utc();
    json!({
        "slug": slug, "title": "Hội thi khác", "unit_code": "TINH", "bank_slug": "dich-vu-cong-truc-tuyen-2023",
        "blueprint": [{"topic": "vneid", "difficulty": "easy", "count": 1}], "minutes": 10,
        "rounds": [{"opens_at": (now - chrono::Duration::minutes(5)).to_rfc3339(), "closes_at": (now + chrono::Duration::days(7)).to_rfc3339()}]
    })
}

/// (method, documented path, body, expected status for
/// [admin, organizer in scope, organizer out of scope, viewer, share link, participant, anonymous]).
type Row = (&'static str, &'static str, Option<Value>, [u16; 7]);

fn matrix(app: &TestApp) -> Vec<Row> {
    let unit = json!({"code": "CD-MOI", "name": "Chi đoàn mới", "level": "Chi đoàn", "parent_code": "XA-A"});
    let edit_unit = json!({"name": "Chi đoàn thôn 1", "level": "Chi đoàn", "parent_code": "XA-A", "members": 30});
    let record =
        json!({"kind": "TAP_HUAN", "date": "2026-04-01", "title": "Tập huấn", "participants": 3});
    let scheme = json!({"rules": [{"kind": "CONTEST", "criterion": 2, "points": 5, "cap": 0}], "levels": [{"name": "Đạt", "min_total": 5, "min_each": 0}]});
    let signup = json!({"full_name": "Đỗ Thị Mới", "birth_date": "2001-02-03", "phone": "0916000001", "unit_code": "CD-A2", "category": "thanh_nien", "consent": true});
    let staff_read = [200, 200, 403, 403, 401, 401, 401];
    let contest_read_masked = [200, 200, 403, 200, 401, 401, 401];
    let public = [200; 7];
    vec![
        (
            "post",
            "/auth/login",
            Some(json!({"username": "admin", "password": "sai mật khẩu"})),
            [401; 7],
        ),
        ("get", "/me", None, [200, 200, 200, 200, 401, 401, 401]),
        (
            "get",
            "/accounts",
            None,
            [200, 200, 200, 403, 401, 401, 401],
        ),
        (
            "post",
            "/accounts/{username}/password-reset",
            Some(json!({})),
            [200, 200, 403, 403, 401, 401, 401],
        ),
        (
            "post",
            "/accounts/{username}/unlock",
            None,
            [200, 403, 403, 403, 401, 401, 401],
        ),
        ("get", "/units", None, [200, 200, 200, 403, 401, 401, 401]),
        ("get", "/units/{code}", None, staff_read),
        ("get", "/banks", None, [200, 200, 200, 403, 401, 401, 401]),
        (
            "get",
            "/banks/template.xlsx",
            None,
            [200, 200, 200, 200, 401, 401, 401],
        ),
        (
            "get",
            "/banks/{slug}/versions/{n}",
            None,
            [200, 200, 200, 403, 401, 401, 401],
        ),
        // The fixture's bank is the admin's, shared with every unit: the
        // organizers read its questions without keys and may not export it
        // or change its sharing.
        (
            "get",
            "/banks/{slug}/versions/{n}/export",
            None,
            [200, 403, 403, 403, 401, 401, 401],
        ),
        (
            "put",
            "/banks/{slug}/sharing",
            Some(json!({"shared": true})),
            [200, 403, 403, 403, 401, 401, 401],
        ),
        ("get", "/contests/{slug}", None, public),
        (
            "get",
            "/contests/{slug}/rounds/{n}/leaderboard",
            None,
            public,
        ),
        ("get", "/contests/{slug}/rounds/{n}/units", None, public),
        ("get", "/contests/{slug}/rounds/{n}/live", None, public),
        ("get", "/contests/{slug}/leaderboard", None, public),
        (
            "get",
            "/contests/{slug}/rounds/{n}/prizes",
            None,
            [200, 200, 404, 200, 404, 404, 404],
        ),
        ("get", "/contests/{slug}/rounds/{n}/items", None, staff_read),
        (
            "get",
            "/contests/{slug}/rounds/{n}/results.csv",
            None,
            contest_read_masked,
        ),
        (
            "get",
            "/contests/{slug}/rounds/{n}/survey",
            None,
            contest_read_masked,
        ),
        (
            "get",
            "/contests/{slug}/rounds/{n}/export/{file}",
            None,
            contest_read_masked,
        ),
        ("get", "/contests/{slug}/review", None, staff_read),
        ("get", "/contests/{slug}/export/{file}", None, staff_read),
        ("get", "/contests/{slug}/viewers", None, staff_read),
        ("get", "/contests/{slug}/share-links", None, staff_read),
        ("get", "/share/{token}", None, public),
        ("get", "/units/{code}/activities", None, staff_read),
        ("get", "/units/{code}/export/{file}", None, staff_read),
        ("get", "/units/{code}/year", None, staff_read),
        (
            "get",
            "/activity-scheme",
            None,
            [200, 200, 200, 200, 401, 401, 401],
        ),
        ("get", "/openapi.json", None, public),
        (
            "get",
            "/attempts/{id}",
            None,
            [401, 401, 401, 401, 401, 200, 401],
        ),
        (
            "put",
            "/attempts/{id}/answers/{position}",
            Some(json!({"choices": ["A"]})),
            [401, 401, 401, 401, 401, 204, 401],
        ),
        (
            "post",
            "/contests/{slug}/attempts",
            Some(json!({})),
            [401, 401, 401, 401, 401, 201, 401],
        ),
        (
            "post",
            "/contests/{slug}/participants",
            Some(signup),
            [400, 400, 400, 400, 201, 201, 201],
        ),
        (
            "post",
            "/contests/{slug}/sessions",
            Some(json!({"phone": "0915000001", "birth_date": "2000-05-01"})),
            [400, 400, 400, 400, 200, 200, 200],
        ),
        (
            "post",
            "/contests/{slug}/otp",
            Some(json!({"phone": "0915000001"})),
            [400; 7],
        ),
        (
            "post",
            "/accounts",
            Some(json!({"username": "moi", "password": "mat-khau-du-dai-1", "role": "viewer"})),
            // Organizers must name a unit of theirs (and "moi" is taken by then).
            [201, 422, 422, 403, 401, 401, 401],
        ),
        (
            "post",
            "/units",
            Some(unit),
            [201, 201, 403, 403, 401, 401, 401],
        ),
        (
            "post",
            "/units/import",
            None,
            [200, 200, 422, 403, 401, 401, 401],
        ),
        (
            "put",
            "/units/{code}",
            Some(edit_unit),
            [200, 200, 403, 403, 401, 401, 401],
        ),
        ("post", "/banks", None, [400, 400, 400, 403, 401, 401, 401]),
        (
            "post",
            "/contests",
            Some(contest_body(app, "hoi-thi-khac")),
            [201, 201, 403, 403, 401, 401, 401],
        ),
        (
            "put",
            "/contests/{slug}",
            Some(contest_body(app, CONTEST)),
            [200, 200, 403, 403, 401, 401, 401],
        ),
        (
            "put",
            "/contests/{slug}/rounds/{n}/prizes/plan",
            Some(json!({"tiers": "Giải Nhất: 1"})),
            [200, 200, 403, 403, 401, 401, 401],
        ),
        (
            "post",
            "/contests/{slug}/rounds/{n}/prizes/publish",
            Some(json!({})),
            [409, 409, 403, 403, 401, 401, 401],
        ),
        (
            "post",
            "/contests/{slug}/review/decisions",
            Some(json!({"group_key": "cccd:khong-co", "decision": "same", "reason": "thử"})),
            [422, 422, 403, 403, 401, 401, 401],
        ),
        (
            "post",
            "/contests/{slug}/viewers",
            Some(json!({"username": "ubnd"})),
            [200, 200, 403, 403, 401, 401, 401],
        ),
        (
            "post",
            "/contests/{slug}/share-links",
            Some(json!({"days": 3})),
            [201, 201, 403, 403, 401, 401, 401],
        ),
        (
            "post",
            "/units/{code}/activities",
            Some(record.clone()),
            [201, 201, 403, 403, 401, 401, 401],
        ),
        (
            "put",
            "/activities/{id}",
            Some(record),
            [200, 200, 403, 403, 401, 401, 401],
        ),
        (
            "put",
            "/activity-scheme",
            Some(scheme),
            [200, 403, 403, 403, 401, 401, 401],
        ),
        (
            "post",
            "/attempts/{id}/submit",
            Some(json!({})),
            [401, 401, 401, 401, 401, 200, 401],
        ),
        (
            "delete",
            "/activities/{id}",
            None,
            [204, 204, 403, 403, 401, 401, 401],
        ),
        (
            "delete",
            "/contests/{slug}/share-links/{id}",
            None,
            [204, 204, 403, 403, 401, 401, 401],
        ),
        (
            "delete",
            "/contests/{slug}/viewers/{username}",
            None,
            [200, 200, 403, 403, 401, 401, 401],
        ),
        (
            "post",
            "/contests/{slug}/rounds/{n}/close",
            Some(json!({})),
            [200, 200, 403, 403, 401, 401, 401],
        ),
        // The admin reopens it (until far ahead); nobody else may.
        (
            "post",
            "/contests/{slug}/rounds/{n}/reopen",
            Some(json!({"until": "2099-01-01T08:00", "reason": "đóng nhầm"})),
            [200, 403, 403, 403, 401, 401, 401],
        ),
        ("get", "/contests/{slug}/locks", None, staff_read),
        (
            "delete",
            "/contests/{slug}/locks/{phone}",
            None,
            [404, 404, 403, 403, 401, 401, 401],
        ),
        // Last: these end the sessions the rows above used. A password
        // change ends every other session, the walk's own token included,
        // so signing out everywhere with it is refused.
        (
            "post",
            "/auth/password",
            Some(json!({"current_password": PASSWORD, "new_password": PASSWORD})),
            [200, 200, 200, 200, 401, 401, 401],
        ),
        ("post", "/auth/logout-all", None, [401; 7]),
        ("post", "/auth/logout", None, [204; 7]),
        (
            "delete",
            "/contests/{slug}/sessions",
            None,
            [401, 401, 401, 401, 401, 204, 401],
        ),
    ]
}

fn fill(path: &str, w: &World) -> String {
    let bank = path.starts_with("/banks/");
    let file = if path.starts_with("/units/") {
        "activities.csv"
    } else if path.contains("/rounds/") {
        "results.csv"
    } else {
        "decisions.csv"
    };
    let id = if path.starts_with("/attempts/") {
        &w.attempt
    } else if path.starts_with("/activities/") {
        &w.activity
    } else {
        &w.link_id
    };
    path.replace(
        "{slug}",
        if bank {
            "dich-vu-cong-truc-tuyen-2023"
        } else {
            CONTEST
        },
    )
    .replace("{n}", "1")
    .replace("{code}", "CD-A1")
    .replace("{file}", file)
    .replace("{id}", id)
    .replace("{position}", "1")
    .replace(
        "{username}",
        if path.starts_with("/accounts/") {
            "xem-xa-a"
        } else {
            "ubnd"
        },
    )
    .replace("{phone}", "0915000099")
    .replace("{token}", &w.link_token)
}

#[tokio::test]
async fn every_route_gives_each_role_exactly_its_status() {
    let mut failures = Vec::new();
    for (i, role) in ROLES.iter().enumerate() {
        let (app, _clock) = spawn_with_clock().await;
        let admin = contest_fixture(&app, 15, 1).await;
        let (w, participant) = world(&app, &admin).await;
        let token = match role {
            Role::Admin => Some(admin.clone()),
            Role::OrgIn => Some(app.login("org-in").await),
            Role::OrgOut => Some(app.login("org-out").await),
            Role::Viewer => Some(app.login("ubnd").await),
            Role::Link => Some(w.link_token.clone()),
            Role::Participant => Some(participant.clone()),
            Role::Anonymous => None,
        };
        let rows = matrix(&app);
        // A client with no cookies: each role is only its token.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        if i == 0 {
            // The walk covers every documented route (and the document every route).
            let doc: Value = app
                .client
                .get(app.url("/api/v1/openapi.json"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let documented: BTreeSet<(String, String)> = doc["paths"]
                .as_object()
                .unwrap()
                .iter()
                .flat_map(|(p, ops)| {
                    ops.as_object()
                        .unwrap()
                        .keys()
                        .map(move |m| (m.clone(), p.trim_start_matches("/api/v1").to_string()))
                })
                .collect();
            let walked: BTreeSet<(String, String)> = rows
                .iter()
                .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
                .collect();
            assert_eq!(walked, documented, "the matrix must walk every route");
        }
        for (method, path, body, expected) in rows {
            let url = app.url(&format!("/api/v1{}", fill(path, &w)));
            let mut req = match method {
                "get" => client.get(&url),
                "post" => client.post(&url),
                "put" => client.put(&url),
                _ => client.delete(&url),
            };
            if path == "/units/import" {
                req = req.header("content-type", "text/csv").body(
                    "code,name,level,parent_code,members\nCD-NHAP,Chi đoàn nhập,Chi đoàn,XA-A,10\n",
                );
            } else if let Some(b) = body {
                req = req.json(&b);
            }
            if let Some(t) = &token {
                req = req.bearer_auth(t);
            }
            let got = req.send().await.unwrap().status().as_u16();
            if got != expected[i] {
                failures.push(format!(
                    "{role:?} {method} {path}: got {got}, want {}",
                    expected[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_organizer_pages_work_as_plain_forms() {
    let (app, _clock) = spawn_with_clock().await;
    contest_fixture(&app, 15, 1).await;
    app.create_user("ubnd", "viewer", None);
    let login = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let post = |path: String, form: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(app.url(&path))
                .form(&form)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.headers()
                    .get("location")
                    .map(|l| l.to_str().unwrap().to_string()),
            )
        }
    };
    let (status, detail) = page(&app, &format!("/admin/contests/{CONTEST}")).await;
    assert_eq!(status, 200);
    for link in ["/results", "/review", "/access", "/rounds/1/prizes"] {
        assert!(
            detail.contains(&format!("/admin/contests/{CONTEST}{link}")),
            "{link}"
        );
    }
    let (status, review) = page(&app, &format!("/admin/contests/{CONTEST}/review")).await;
    assert_eq!(status, 200);
    assert!(review.contains("Không có gì cần rà soát"));

    let (status, to) = post(
        format!("/admin/contests/{CONTEST}/rounds/1/prizes/plan"),
        vec![("tiers", "Giải Nhất: 1\r\nGiải Nhì: 2"), ("quotas", "")],
    )
    .await;
    assert_eq!(
        (status, to.as_deref()),
        (
            303,
            Some("/admin/contests/thu-nghiem/rounds/1/prizes?msg=plan")
        )
    );
    let (_, prizes) = page(
        &app,
        &format!("/admin/contests/{CONTEST}/rounds/1/prizes?msg=plan"),
    )
    .await;
    assert!(prizes.contains("Giải Nhì: 2") && prizes.contains("Đã lưu cơ cấu giải"));
    let (status, _) = post(
        format!("/admin/contests/{CONTEST}/rounds/1/prizes/plan"),
        vec![("tiers", "không có số"), ("quotas", "")],
    )
    .await;
    assert_eq!(status, 422, "a bad plan gets the error page");

    assert_eq!(
        post(
            format!("/admin/contests/{CONTEST}/access/viewers"),
            vec![("username", "ubnd")]
        )
        .await
        .0,
        303
    );
    assert_eq!(
        post(
            format!("/admin/contests/{CONTEST}/access/links"),
            vec![("label", "Văn phòng UBND"), ("days", "7")]
        )
        .await
        .0,
        303
    );
    let (_, access) = page(&app, &format!("/admin/contests/{CONTEST}/access")).await;
    assert!(access.contains("ubnd") && access.contains("Văn phòng UBND") && access.contains("/s/"));
    assert!(
        access.contains("Nhật ký của hội thi")
            && access.contains("Tạo liên kết chia sẻ")
            && access.contains("Lưu cơ cấu giải")
    );

    let (status, scheme) = page(&app, "/admin/activity-scheme").await;
    assert_eq!(status, 200);
    assert!(scheme.contains("crit_SINH_HOAT"));
    let mut form: Vec<(String, String)> = Vec::new();
    for (k, _) in hoithi::domain::activity::KINDS {
        form.push((format!("crit_{k}"), "2".into()));
        form.push((format!("points_{k}"), "7".into()));
        form.push((format!("cap_{k}"), "0".into()));
    }
    form.extend([
        ("level_name_0".to_string(), "Xuất sắc".to_string()),
        ("level_total_0".to_string(), "50".to_string()),
        ("level_each_0".to_string(), "0".to_string()),
    ]);
    let r = app
        .client
        .post(app.url("/admin/activity-scheme"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let saved = app
        .state
        .db
        .read_now(hoithi::service::activities::scheme_of)
        .unwrap();
    assert_eq!(saved.levels.len(), 1);
    assert!(saved
        .rules
        .iter()
        .all(|r| r.points == 7 && r.criterion == 2));
}

#[tokio::test]
async fn a_co_organizing_office_lands_on_its_contests_and_sees_only_them() {
    let (app, _clock) = spawn_with_clock().await;
    let admin = contest_fixture(&app, 15, 1).await;
    app.create_user("ubnd", "viewer", None);
    app.post(
        &format!("/api/v1/contests/{CONTEST}/viewers"),
        &admin,
        &json!({"username": "ubnd"}),
    )
    .await;
    let login = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "ubnd"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.headers()["location"], "/admin");
    let start = app.client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(start.headers()["location"], "/admin/contests");
    let (status, list) = page(&app, "/admin/contests").await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!("/admin/contests/{CONTEST}/results")));
    assert!(
        !list.contains("Tạo hội thi") && !list.contains("href=\"/admin/units\""),
        "{list}"
    );
    assert_eq!(
        page(&app, &format!("/admin/contests/{CONTEST}")).await.0,
        403
    );
    assert_eq!(
        page(&app, &format!("/admin/contests/{CONTEST}/results"))
            .await
            .0,
        200
    );
}
