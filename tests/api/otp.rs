//! Contests that check identity with an SMS code, through the real webhook sender.

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::helpers::{
    contest_fixture, registration, settings_for, spawn_with, TestApp, TestDb, CONTEST,
};

/// A stand-in SMS gateway that records what it is asked to send.
async fn gateway() -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let data = web::Data::new(seen.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).route(
            "/sms",
            web::post().to(
                |seen: web::Data<Arc<Mutex<Vec<Value>>>>,
                 req: actix_web::HttpRequest,
                 body: web::Json<Value>| async move {
                    let mut v = body.into_inner();
                    v["auth"] = json!(req
                        .headers()
                        .get("authorization")
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or(""));
                    seen.lock().unwrap().push(v);
                    HttpResponse::Ok().finish()
                },
            ),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (format!("http://127.0.0.1:{port}/sms"), seen)
}

fn code_in(sms: &Value) -> String {
    let msg = sms["message"].as_str().unwrap();
    msg.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a 6-digit code")
        .to_string()
}

/// The fixture contest switched to SMS codes, on a server whose webhook is
/// the stand-in gateway; `budget` caps the codes per contest and hour.
async fn otp_contest(budget: Option<u32>) -> (TestApp, Arc<Mutex<Vec<Value>>>) {
    otp_contest_on(budget, Arc::new(hoithi::service::state::SystemClock)).await
}

/// [`otp_contest`] on the given clock.
async fn otp_contest_on(
    budget: Option<u32>,
    clock: Arc<dyn hoithi::service::state::Clock>,
) -> (TestApp, Arc<Mutex<Vec<Value>>>) {
    let (url, seen) = gateway().await;
    let db = Arc::new(TestDb::new());
    let mut settings = settings_for(&db);
    settings.otp_webhook_url = Some(url);
    settings.otp_webhook_token = Some("bi-mat".into());
    if let Some(b) = budget {
        settings.otp_hourly_budget = b;
    }
    let app = spawn_with(db, clock, settings).await;
    let admin = contest_fixture(&app, 15, 1).await;
    let edit: Value = json!({
        "title": "Hội thi OTP", "unit_code": "TINH", "bank_slug": "dich-vu-cong-truc-tuyen-2023",
        "blueprint": [{"topic": "vneid", "difficulty": "easy", "count": 2}], "identity_check": "otp", "slug": CONTEST,
        "rounds": [{"opens_at": (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339(), "closes_at": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339()}]
    });
    assert_eq!(
        app.put(&format!("/api/v1/contests/{CONTEST}"), &admin, &edit)
            .await
            .status(),
        200
    );
    let public: Value = app
        .client
        .get(app.url(&format!("/api/v1/contests/{CONTEST}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["identity_check"], "otp");
    (app, seen)
}

#[tokio::test]
async fn an_otp_contest_registers_and_signs_in_with_the_code_the_gateway_received() {
    let (app, seen) = otp_contest(None).await;

    let otp_url = app.url(&format!("/api/v1/contests/{CONTEST}/otp"));
    let r = app
        .client
        .post(&otp_url)
        .json(&json!({"phone": "+84 912 345 678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.json::<Value>().await.unwrap()["sent_to"], "09xx xxx 678");
    let sms = seen.lock().unwrap()[0].clone();
    assert_eq!(sms["phone"], "0912345678");
    assert_eq!(sms["auth"], "Bearer bi-mat");
    let code = code_in(&sms);
    let again = app
        .client
        .post(&otp_url)
        .json(&json!({"phone": "0912345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 429, "one code a minute");

    let reg_url = app.url(&format!("/api/v1/contests/{CONTEST}/participants"));
    let mut body = registration("0912345678", "CD-A1");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    body["otp"] = json!(wrong);
    assert_eq!(
        app.client
            .post(&reg_url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    body["otp"] = json!(code);
    let r = app.client.post(&reg_url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(
        app.client
            .post(&reg_url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "a code works once"
    );

    // Signing in later needs a fresh code, not the birth date.
    let sessions = app.url(&format!("/api/v1/contests/{CONTEST}/sessions"));
    let r = app
        .client
        .post(&sessions)
        .json(&json!({"phone": "0912345678", "birth_date": "2000-05-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The resend limit is per phone: another phone gets its code at once.
    let other = app
        .client
        .post(&otp_url)
        .json(&json!({"phone": "0987654321"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 202);
    let other_code = code_in(&seen.lock().unwrap()[1].clone());
    let r = app
        .client
        .post(&sessions)
        .json(&json!({"phone": "0987654321", "otp": other_code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "an unregistered phone cannot sign in");
}

#[tokio::test]
async fn a_contest_sends_no_more_codes_an_hour_than_its_budget() {
    let (app, seen) = otp_contest(Some(3)).await;
    let otp_url = app.url(&format!("/api/v1/contests/{CONTEST}/otp"));
    let mut statuses = Vec::new();
    for i in 0..5 {
        let r = app
            .client
            .post(&otp_url)
            .json(&json!({"phone": format!("091200050{i}")}))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            assert!(r.headers().get("retry-after").is_some());
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [202, 202, 202, 429, 429]);
    assert_eq!(
        seen.lock().unwrap().len(),
        3,
        "the gateway was asked three times"
    );
}

/// Issue #25: one-time codes on a first registration were tried without
/// the phone's counter (ten wrong codes over two SMS, then the right one
/// registered). They count like every other proof: the fifth wrong one
/// locks the phone, and the right code then waits like a right birth date.
#[tokio::test]
async fn wrong_codes_on_a_first_registration_lock_the_phone_like_wrong_birth_dates() {
    let clock = Arc::new(hoithi::service::state::ManualClock::new(hoithi::db::now()));
    let (app, seen) = otp_contest_on(None, clock.clone()).await;
    let phone = "0912345678";
    let otp_url = app.url(&format!("/api/v1/contests/{CONTEST}/otp"));
    let reg_url = app.url(&format!("/api/v1/contests/{CONTEST}/participants"));
    let mut statuses = Vec::new();
    let mut code = String::new();
    for sms in 0..2 {
        let r = app
            .client
            .post(&otp_url)
            .json(&json!({ "phone": phone }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        code = code_in(&seen.lock().unwrap()[sms].clone());
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            let mut body = registration(phone, "CD-A1");
            body["otp"] = json!(wrong);
            let r = app.client.post(&reg_url).json(&body).send().await.unwrap();
            statuses.push(r.status().as_u16());
        }
        // The next code may be asked for a minute later.
        clock.advance(chrono::Duration::seconds(61));
    }
    assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
    assert_eq!(&statuses[5..], &[429; 5], "{statuses:?}");
    let mut body = registration(phone, "CD-A1");
    body["otp"] = json!(code);
    let r = app.client.post(&reg_url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 429, "the right code waits for the lock to end");
    let (registered, locks) = app
        .db
        .connect()
        .read_now(|c| {
            use diesel::prelude::*;
            use hoithi::db::schema::{auth_failures, participants};
            let registered = participants::table
                .filter(participants::phone.eq("0912345678"))
                .count()
                .get_result::<i64>(c)?;
            let locks = auth_failures::table
                .filter(auth_failures::locked_until.is_not_null())
                .count()
                .get_result::<i64>(c)?;
            Ok((registered, locks))
        })
        .unwrap();
    assert_eq!((registered, locks), (0, 1));
}
