//! Answer keys stay with their owners (#25, item 6): a bank owned by a unit
//! is usable by the units below it only when its owner shares it, and then
//! without its answers, explanations or export; contests on it are graded
//! by the server as always. The access matrix: (owner, the unit above it,
//! a unit below it with the bank unshared and shared, a sibling, an admin,
//! a viewer) × (list, version, export toml, export xlsx, browse page,
//! create a contest).

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::helpers::{registration, right_answers, spawn_app, TestApp, SAMPLE_BANK, TREE_CSV};

const BANK: &str = "dich-vu-cong-truc-tuyen-2023";

/// What a reader got of the bank's questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// 200 with the answer keys (and explanations).
    Keys,
    /// 200 with the questions only.
    NoKeys,
    /// Refused with this status.
    Refused(u16),
}

use Seen::{Keys, NoKeys, Refused};

/// What one actor must get: (listed in GET /banks, version, export toml,
/// export xlsx, browse page, create a contest on it).
type Expect = (Seen, Seen, u16, u16, Seen, u16);

/// Owner XA-A, the province above it, a branch below it, the sibling
/// commune, an admin and a viewer.
async fn actors(app: &TestApp) -> Vec<(&'static str, &'static str, String)> {
    let admin = app.admin().await;
    assert_eq!(app.import_csv(&admin, TREE_CSV).await.status(), 200);
    for (name, unit) in [
        ("btc-xa-a", "XA-A"),
        ("btc-tinh", "TINH"),
        ("btc-cd-a1", "CD-A1"),
        ("btc-xa-b", "XA-B"),
    ] {
        app.create_user(name, "organizer", Some(unit));
    }
    app.create_user("ubnd", "viewer", None);
    let mut out = vec![("admin", "XA-A", admin)];
    for (name, unit) in [
        ("btc-xa-a", "XA-A"),
        ("btc-tinh", "TINH"),
        ("btc-cd-a1", "CD-A1"),
        ("btc-xa-b", "XA-B"),
        ("ubnd", "XA-A"),
    ] {
        out.push((name, unit, app.login(name).await));
    }
    out
}

async fn upload_as(app: &TestApp, token: &str) {
    let form = Form::new().part(
        "file",
        Part::bytes(SAMPLE_BANK.as_bytes().to_vec()).file_name("dvc.toml"),
    );
    let r = app
        .client
        .post(app.url("/api/v1/banks"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

fn contest(app: &TestApp, slug: &str, unit: &str) -> Value {
    let now = app.state.now().and_utc();
    json!({
        "slug": slug, "title": "Hội thi trên ngân hàng của xã", "unit_code": unit, "bank_slug": BANK,
        "blueprint": [{"topic": "vneid", "difficulty": "easy", "count": 1}], "minutes": 10,
        "rounds": [{"opens_at": (now - chrono::Duration::minutes(5)).to_rfc3339(), "closes_at": (now + chrono::Duration::days(7)).to_rfc3339()}]
    })
}

/// Does a version's JSON carry keys, explanations or sources?
fn json_keys(v: &Value) -> bool {
    let qs = v["questions"].as_array().expect("questions");
    assert!(!qs.is_empty(), "the questions themselves are readable");
    let any = |field: &str| qs.iter().any(|q| q.get(field).is_some());
    let keys = any("correct") || any("explanation") || any("source");
    assert_eq!(
        keys,
        v.get("content_hash").is_some(),
        "the content hash goes with the keys"
    );
    keys
}

/// A client with no cookie jar: each request is only the token it is given.
fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let r = bare()
        .get(app.url(path))
        .header("cookie", format!("hoithi_token={token}"))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn observe(app: &TestApp, token: &str, unit: &str, slug: &str) -> Expect {
    let list = app.get("/api/v1/banks", token).await;
    let listed = match list.status().as_u16() {
        200 => {
            let v: Value = list.json().await.unwrap();
            match v["entries"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["slug"] == BANK)
            {
                None => Refused(404),
                Some(b) if b["access"] == "without_answers" => NoKeys,
                Some(_) => Keys,
            }
        }
        s => Refused(s),
    };
    let r = app
        .get(&format!("/api/v1/banks/{BANK}/versions/1"), token)
        .await;
    let version = match r.status().as_u16() {
        200 => {
            if json_keys(&r.json().await.unwrap()) {
                Keys
            } else {
                NoKeys
            }
        }
        s => Refused(s),
    };
    let export = |format: &'static str| async move {
        app.get(
            &format!("/api/v1/banks/{BANK}/versions/1/export?format={format}"),
            token,
        )
        .await
        .status()
        .as_u16()
    };
    let toml = export("toml").await;
    let xlsx = export("xlsx").await;
    let (status, html) = page(app, &format!("/admin/banks/{BANK}"), token).await;
    let browse = match status {
        200 => {
            let marks = html.contains(" ✓") || html.contains("Giải thích:");
            let export_link = html.contains("/export?format=toml");
            assert_eq!(marks, export_link, "export links go with the keys");
            if marks {
                Keys
            } else {
                NoKeys
            }
        }
        s => Refused(s),
    };
    let created = app
        .post("/api/v1/contests", token, &contest(app, slug, unit))
        .await;
    let created = created.status().as_u16();
    (listed, version, toml, xlsx, browse, created)
}

#[tokio::test]
async fn answer_keys_stay_with_the_owner_and_a_shared_bank_goes_down_without_them() {
    let app = spawn_app().await;
    let actors = actors(&app).await;
    let token = |name: &str| {
        actors
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, t)| t.clone())
            .unwrap()
    };
    upload_as(&app, &token("btc-xa-a")).await;

    let full: Expect = (Keys, Keys, 200, 200, Keys, 201);
    let nothing: Expect = (Refused(404), Refused(403), 403, 403, Refused(403), 403);
    let viewer: Expect = (Refused(403), Refused(403), 403, 403, Refused(403), 403);
    let without_keys: Expect = (NoKeys, NoKeys, 403, 403, NoKeys, 201);
    // (actor, unshared, shared)
    let matrix: [(&str, Expect, Expect); 6] = [
        ("btc-xa-a", full, full),
        ("btc-tinh", full, full),
        ("admin", full, full),
        ("btc-cd-a1", nothing, without_keys),
        ("btc-xa-b", nothing, nothing),
        ("ubnd", viewer, viewer),
    ];
    let mut failures = Vec::new();
    for (phase, shared) in [("unshared", false), ("shared", true)] {
        if shared {
            let r = app
                .put(
                    &format!("/api/v1/banks/{BANK}/sharing"),
                    &token("btc-xa-a"),
                    &json!({"shared": true}),
                )
                .await;
            if r.status() != 200 {
                failures.push(format!("the owner shares it: got {}", r.status()));
            }
        }
        for (i, (name, unshared_expect, shared_expect)) in matrix.iter().enumerate() {
            let (_, unit, t) = actors.iter().find(|(n, _, _)| n == name).unwrap();
            let slug = format!("hoi-thi-{phase}-{i}");
            let got = observe(&app, t, unit, &slug).await;
            let want = if shared {
                *shared_expect
            } else {
                *unshared_expect
            };
            if got != want {
                failures.push(format!("{name} ({phase}): got {got:?}, want {want:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn only_the_owner_side_shares_and_each_change_is_audited() {
    let app = spawn_app().await;
    let actors = actors(&app).await;
    let token = |name: &str| {
        actors
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, t)| t.clone())
            .unwrap()
    };
    upload_as(&app, &token("btc-xa-a")).await;
    let share = |who: &'static str, shared: bool| {
        let (app, t) = (&app, token(who));
        async move {
            app.put(
                &format!("/api/v1/banks/{BANK}/sharing"),
                &t,
                &json!({ "shared": shared }),
            )
            .await
            .status()
            .as_u16()
        }
    };
    for who in ["btc-cd-a1", "btc-xa-b", "ubnd"] {
        assert_eq!(share(who, true).await, 403, "{who} may not share it");
    }
    assert_eq!(share("btc-tinh", true).await, 200, "the unit above may");
    assert_eq!(share("btc-cd-a1", false).await, 403, "below: still not");
    assert_eq!(share("btc-xa-a", false).await, 200);
    let missing = app
        .put(
            "/api/v1/banks/khong-co/sharing",
            &token("admin"),
            &json!({"shared": true}),
        )
        .await;
    assert_eq!(missing.status(), 404);
    let bad = app
        .put(
            &format!("/api/v1/banks/{BANK}/sharing"),
            &token("admin"),
            &json!({"shared": "yes"}),
        )
        .await;
    assert_eq!(
        bad.status(),
        400,
        "a body that is not a boolean changes nothing"
    );
    let listed: Value = app
        .get("/api/v1/banks", &token("btc-xa-a"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["entries"][0]["shared"], false);

    // Both changes are in the audit log, by whom and on which bank.
    let db = app.db.connect();
    let entries = db
        .read_now(|c| hoithi::db::review::audit_of(c, None, None, 100))
        .unwrap();
    let sharing: Vec<(String, String, String)> = entries
        .iter()
        .filter(|(e, _)| e.subject == BANK)
        .map(|(e, _)| (e.action.clone(), e.account_id.clone(), e.subject.clone()))
        .collect();
    assert_eq!(
        sharing.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        ["bank_unshared", "bank_shared"],
        "{sharing:?}"
    );
}

#[tokio::test]
async fn the_page_button_shares_and_unshares_through_a_same_site_form() {
    let app = spawn_app().await;
    let actors = actors(&app).await;
    let owner = actors[1].2.clone();
    let below = actors[3].2.clone();
    upload_as(&app, &owner).await;
    let (_, html) = page(&app, &format!("/admin/banks/{BANK}"), &owner).await;
    assert!(
        html.contains("Chia sẻ cho đơn vị cấp dưới"),
        "the owner's button"
    );
    let post = |token: String, origin: String, shared: &'static str| {
        let app = &app;
        async move {
            bare()
                .post(app.url(&format!("/admin/banks/{BANK}/sharing")))
                .header("cookie", format!("hoithi_token={token}"))
                .header("origin", origin)
                .form(&[("shared", shared)])
                .send()
                .await
                .unwrap()
        }
    };
    // Another site cannot press it for the owner.
    let forged = post(owner.clone(), "https://evil.example".into(), "true").await;
    assert_eq!(forged.status(), 403);
    assert_eq!(
        page(&app, &format!("/admin/banks/{BANK}"), &below).await.0,
        403
    );
    let own_origin = || app.address.clone();
    let r = post(owner.clone(), own_origin(), "true").await;
    assert_eq!(r.status(), 303);
    let (status, html) = page(&app, &format!("/admin/banks/{BANK}?msg=shared"), &below).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Ngân hàng được chia sẻ từ cấp trên") && !html.contains("Thôi chia sẻ"),
        "below sees it marked and without the button"
    );
    let (_, list) = page(&app, "/admin/banks", &below).await;
    assert!(list.contains("Chia sẻ từ cấp trên (không kèm đáp án)"));
    assert_eq!(
        post(below.clone(), own_origin(), "false").await.status(),
        403,
        "below cannot unshare it"
    );
    assert_eq!(
        post(owner.clone(), own_origin(), "maybe").await.status(),
        400
    );
    assert_eq!(
        post(owner.clone(), own_origin(), "false").await.status(),
        303
    );
    assert_eq!(
        page(&app, &format!("/admin/banks/{BANK}"), &below).await.0,
        403
    );
}

#[tokio::test]
async fn a_reader_without_the_keys_cannot_search_the_explanations() {
    let app = spawn_app().await;
    let actors = actors(&app).await;
    let owner = actors[1].2.clone();
    let below = actors[3].2.clone();
    upload_as(&app, &owner).await;
    app.put(
        &format!("/api/v1/banks/{BANK}/sharing"),
        &owner,
        &json!({"shared": true}),
    )
    .await;
    // A word of some explanation that no stem or option holds.
    let v: Value = app
        .get(&format!("/api/v1/banks/{BANK}/versions/1"), &owner)
        .await
        .json()
        .await
        .unwrap();
    let fold = hoithi::domain::text::fold;
    let questions = v["questions"].as_array().unwrap();
    let visible: String = questions
        .iter()
        .map(|q| {
            fold(&format!(
                "{} {}",
                q["stem"].as_str().unwrap(),
                q["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(" ")
            ))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let word = questions
        .iter()
        .flat_map(|q| {
            fold(q["explanation"].as_str().unwrap())
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .find(|w| w.len() > 3 && !visible.contains(w.as_str()))
        .expect("a word only an explanation holds");
    let found = |token: String, q: String| {
        let app = &app;
        async move {
            let (status, html) = page(app, &format!("/admin/banks/{BANK}?q={q}"), &token).await;
            assert_eq!(status, 200);
            html.split(" câu phù hợp")
                .next()
                .and_then(|s| s.rsplit('>').next())
                .and_then(|n| n.trim().parse::<usize>().ok())
                .expect("the count of matches")
        }
    };
    assert!(
        found(owner.clone(), word.clone()).await > 0,
        "the owner finds {word}"
    );
    assert_eq!(
        found(below.clone(), word.clone()).await,
        0,
        "below does not"
    );
    // Stems are searched alike for both.
    let stem_word = fold(questions[0]["stem"].as_str().unwrap())
        .split(' ')
        .find(|w| w.len() > 3)
        .unwrap()
        .to_string();
    let by_owner = found(owner.clone(), stem_word.clone()).await;
    assert!(by_owner > 0, "the word {stem_word:?} is found at all");
    assert_eq!(by_owner, found(below.clone(), stem_word).await);
}

#[tokio::test]
async fn a_contest_on_a_shared_bank_is_graded_and_keeps_working_when_unshared() {
    let app = spawn_app().await;
    let actors = actors(&app).await;
    let owner = actors[1].2.clone();
    let below = actors[3].2.clone();
    upload_as(&app, &owner).await;
    app.put(
        &format!("/api/v1/banks/{BANK}/sharing"),
        &owner,
        &json!({"shared": true}),
    )
    .await;
    // Answers after the close would give the keys away: refused when asked.
    let mut body = contest(&app, "thi-chi-doan", "CD-A1");
    body["show_answers_after_close"] = json!(true);
    let r = app.post("/api/v1/contests", &below, &body).await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        e["error"]["details"][0]["field"], "show_answers_after_close",
        "{e}"
    );
    // Nor for an admin, who holds the keys, building the branch's contest:
    // the branch's organizers run it and could close a round early.
    let mut by_admin = body.clone();
    by_admin["slug"] = json!("thi-chi-doan-admin");
    let r = app.post("/api/v1/contests", &actors[0].2, &by_admin).await;
    assert_eq!(r.status(), 422, "{}", r.text().await.unwrap());
    body["show_answers_after_close"] = json!(false);
    let r = app.post("/api/v1/contests", &below, &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    // The owner stops sharing: the contest built on it keeps working.
    app.put(
        &format!("/api/v1/banks/{BANK}/sharing"),
        &owner,
        &json!({"shared": false}),
    )
    .await;
    let r = app
        .client
        .post(app.url("/api/v1/contests/thi-chi-doan/participants"))
        .json(&registration("0917000001", "CD-A1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let t = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let started: Value = app
        .post("/api/v1/contests/thi-chi-doan/attempts", &t, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let id = started["attempt_id"].as_str().unwrap().to_string();
    let keys = right_answers(&app, &id);
    assert!(!keys.is_empty());
    for (position, choices) in &keys {
        let r = app
            .put(
                &format!("/api/v1/attempts/{id}/answers/{position}"),
                &t,
                &json!({ "choices": choices }),
            )
            .await;
        assert_eq!(r.status(), 204);
    }
    let r = app
        .post(&format!("/api/v1/attempts/{id}/submit"), &t, &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let result: Value = r.json().await.unwrap();
    assert_eq!(result["correct"], keys.len() as i64, "graded by the server");

    // A contest saved by an earlier release may still say "show answers
    // after the close": once closed, its result page shows no key anyway.
    app.db
        .connect()
        .write_now(|c| {
            use diesel::prelude::*;
            use hoithi::db::schema::contests::dsl::*;
            diesel::update(contests.filter(slug.eq("thi-chi-doan")))
                .set(show_answers_after_close.eq(true))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    let r = app
        .post(
            "/api/v1/contests/thi-chi-doan/rounds/1/close",
            &below,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let shown = app
        .client
        .get(app.url(&format!("/a/{id}/result")))
        .header("cookie", format!("hoithi_participant={t}"))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    let shown = shown.text().await.unwrap();
    let n = keys.len();
    assert!(shown.contains(&format!("Đúng {n}/{n} câu")), "{shown}");
    // No answer section at all: neither the marks of a right answer nor
    // the explanations.
    assert!(!shown.contains("<h2>Đáp án</h2>"), "{shown}");
    assert!(!shown.contains("✓"), "{shown}");
    assert!(!shown.contains("đáp án đúng"), "{shown}");
    assert!(!shown.contains("Giải thích:"), "{shown}");

    // Its organizer still edits it on the same version, but builds no new
    // contest on the bank, and its item analysis shows no key.
    body["title"] = json!("Hội thi chi đoàn (sửa)");
    let r = app
        .put("/api/v1/contests/thi-chi-doan", &below, &body)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (status, form) = page(&app, "/admin/contests/thi-chi-doan/edit", &below).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("name=\"bp.vneid.easy\" value=\"1\""),
        "the edit form still shows the contest's blueprint"
    );
    body["slug"] = json!("thi-chi-doan-2");
    let r = app.post("/api/v1/contests", &below, &body).await;
    assert_eq!(r.status(), 403);
    let items = |token: String| {
        let app = &app;
        async move {
            let v: Value = app
                .get("/api/v1/contests/thi-chi-doan/rounds/1/items", &token)
                .await
                .json()
                .await
                .unwrap();
            v["entries"][0].clone()
        }
    };
    let options = |entry: &Value| entry["options"].as_array().unwrap().clone();
    let mine = items(below.clone()).await;
    assert!(
        options(&mine)
            .iter()
            .all(|o| o.get("right").is_none() && o.get("chosen").is_none()),
        "{mine:?}"
    );
    // Nor the share right: over one's own attempts it tells the key too.
    assert!(
        mine.get("facility").is_none() && mine.get("discrimination").is_none(),
        "{mine:?}"
    );
    assert_eq!(mine["flagged"], false, "{mine:?}");
    let admin = actors[0].2.clone();
    let theirs = items(admin).await;
    assert!(
        options(&theirs).iter().any(|o| o["right"] == true),
        "{theirs:?}"
    );
    assert!(theirs["facility"].is_number(), "{theirs:?}");
}
