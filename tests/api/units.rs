use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, TREE_CSV};

async fn tree_with_organizer(app: &TestApp) -> (String, String) {
    let admin = app.admin().await;
    let r = app.import_csv(&admin, TREE_CSV).await;
    assert_eq!(r.status(), 200);
    app.create_user("btc-xa-a", "organizer", Some("XA-A"));
    let org = app.login("btc-xa-a").await;
    (admin, org)
}

#[tokio::test]
async fn a_valid_csv_builds_a_three_level_tree_with_member_counts() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app.import_csv(&admin, TREE_CSV).await;
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["created"], 6);
    assert_eq!(s["member_counts"], 5);

    let v: Value = app
        .get("/api/v1/units?root=XA-A", &admin)
        .await
        .json()
        .await
        .unwrap();
    let entries = v["entries"].as_array().unwrap();
    let codes: Vec<&str> = entries
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 3);
    assert_eq!(codes[0], "XA-A", "the subtree starts at its root");
    assert!(codes.contains(&"CD-A1") && codes.contains(&"CD-A2"));
    assert_eq!(entries[0]["members"], 120);
    assert_eq!(entries[1]["parent_code"], "XA-A");
    assert_eq!(entries[1]["depth"], 2);

    // Importing the same file again updates in place: nothing is duplicated.
    let again: Value = app.import_csv(&admin, TREE_CSV).await.json().await.unwrap();
    assert_eq!(again["created"], 0);
    assert_eq!(again["updated"], 6);
    assert_eq!(app.unit_codes(&admin).await.len(), 6);
}

#[tokio::test]
async fn a_csv_with_bad_rows_lists_each_row_and_imports_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let bad = "code,name,level,parent_code,members\n\
               TINH,Tỉnh đoàn,Tỉnh đoàn,,\n\
               XA,Đoàn xã,Đoàn cơ sở,TINH,-5\n\
               XA,Đoàn xã trùng,Đoàn cơ sở,TINH,3\n\
               CD,Chi đoàn,Chi đoàn,KHONG-CO,3\n";
    let r = app.import_csv(&admin, bad).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    let rows: Vec<u64> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [3], "field errors are reported first");

    let bad = bad.replace("-5", "5");
    let body: Value = app.import_csv(&admin, &bad).await.json().await.unwrap();
    let details = body["error"]["details"].as_array().unwrap();
    let rows: Vec<u64> = details.iter().map(|d| d["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, [4, 5]);
    assert!(details[0]["message"].as_str().unwrap().contains("trùng"));
    assert!(details[1]["message_en"]
        .as_str()
        .unwrap()
        .contains("Unknown parent"));

    let cycle = "code,name,level,parent_code,members\nA,A,Xã,B,\nB,B,Xã,A,\n";
    let body: Value = app.import_csv(&admin, cycle).await.json().await.unwrap();
    assert!(body["error"]["details"][0]["message_en"]
        .as_str()
        .unwrap()
        .contains("cycle"));

    assert!(
        app.unit_codes(&admin).await.is_empty(),
        "nothing was imported"
    );
}

#[tokio::test]
async fn an_organizer_is_forbidden_outside_their_subtree() {
    let app = spawn_app().await;
    let (_admin, org) = tree_with_organizer(&app).await;

    // Inside: allowed.
    let r = app.post("/api/v1/units", &org, &json!({"code": "CD-A3", "name": "Chi đoàn thôn 3", "level": "Chi đoàn", "parent_code": "XA-A", "members": 12})).await;
    assert_eq!(r.status(), 201);
    let r = app.get("/api/v1/units?root=CD-A1", &org).await;
    assert_eq!(r.status(), 200);

    // Outside: 403, and nothing changes.
    let r = app
        .post(
            "/api/v1/units",
            &org,
            &json!({"code": "CD-B9", "name": "X", "level": "Chi đoàn", "parent_code": "XA-B"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "forbidden"
    );
    let r = app
        .post(
            "/api/v1/units",
            &org,
            &json!({"code": "ROOT2", "name": "X", "level": "Tỉnh"}),
        )
        .await;
    assert_eq!(r.status(), 403, "organizers cannot create roots");
    let r = app
        .put(
            "/api/v1/units/XA-B",
            &org,
            &json!({"name": "Đổi tên", "level": "Đoàn cơ sở"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app.get("/api/v1/units?root=TINH", &org).await;
    assert_eq!(r.status(), 403);
    let r = app.get("/api/v1/units/CD-B1", &org).await;
    assert_eq!(r.status(), 403);
    let r = app
        .put(
            "/api/v1/units/CD-A1",
            &org,
            &json!({"name": "Chi đoàn thôn 1", "level": "Chi đoàn", "parent_code": "XA-B"}),
        )
        .await;
    assert_eq!(r.status(), 403, "moving a unit out of scope");

    // An import touching units outside the subtree is refused as a whole.
    let csv = "code,name,level,parent_code,members\nCD-A4,Chi đoàn thôn 4,Chi đoàn,XA-A,5\nCD-B2,Chi đoàn KP2,Chi đoàn,XA-B,5\n";
    let r = app.import_csv(&org, csv).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"][0]["row"], 3);
    let own: Value = app.get("/api/v1/units", &org).await.json().await.unwrap();
    assert_eq!(
        own["entries"].as_array().unwrap().len(),
        4,
        "XA-A, CD-A1, CD-A2, CD-A3 and nothing else"
    );
}

#[tokio::test]
async fn a_viewer_reads_but_cannot_write() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.import_csv(&admin, TREE_CSV).await;
    app.create_user("ubnd-xa", "viewer", None);
    let viewer = app.login("ubnd-xa").await;
    let r = app
        .post(
            "/api/v1/units",
            &viewer,
            &json!({"code": "V1", "name": "X", "level": "Chi đoàn", "parent_code": "XA-A"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .import_csv(&viewer, "code,name,level,parent_code\nV2,X,Chi đoàn,XA-A\n")
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .put(
            "/api/v1/units/XA-A",
            &viewer,
            &json!({"name": "X", "level": "Y"}),
        )
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn moving_a_unit_moves_its_whole_subtree() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.import_csv(&admin, TREE_CSV).await;
    let r = app
        .put(
            "/api/v1/units/XA-A",
            &admin,
            &json!({"name": "Đoàn xã An Phú", "level": "Đoàn cơ sở", "parent_code": "XA-B"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = app
        .get("/api/v1/units?root=XA-B", &admin)
        .await
        .json()
        .await
        .unwrap();
    let mut codes: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    codes.sort();
    assert_eq!(codes, ["CD-A1", "CD-A2", "CD-B1", "XA-A", "XA-B"]);
    let cd: Value = app
        .get("/api/v1/units/CD-A1", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cd["depth"], 3);
    let r = app
        .put(
            "/api/v1/units/TINH",
            &admin,
            &json!({"name": "T", "level": "T", "parent_code": "CD-A1"}),
        )
        .await;
    assert_eq!(r.status(), 400, "a unit cannot move inside itself");
}

#[tokio::test]
async fn bad_unit_input_gets_clear_errors_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .post(
            "/api/v1/units",
            &admin,
            &json!({"code": "có dấu", "name": "", "level": "Xã", "members": -1}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["code", "name", "members"]);
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_input"
    );
    let huge = "x".repeat(6 * 1024 * 1024);
    let r = app.import_csv(&admin, &huge).await;
    assert_eq!(r.status(), 400);
    let r = app
        .post(
            "/api/v1/units",
            &admin,
            &json!({"code": "X'; DROP TABLE units;--", "name": "x", "level": "y"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(
            "/api/v1/units",
            &admin,
            &json!({"code": "A", "name": "Robert'); DROP TABLE units;--", "level": "Xã"}),
        )
        .await;
    assert_eq!(r.status(), 201, "quotes in names are just text");
    let r = app
        .post(
            "/api/v1/units",
            &admin,
            &json!({"code": "A", "name": "Again", "level": "Xã"}),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(app.unit_codes(&admin).await, ["A"]);
}

#[tokio::test]
async fn fifty_concurrent_writes_all_succeed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.import_csv(&admin, TREE_CSV).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = app.client.clone();
        let url = app.url("/api/v1/units");
        let token = admin.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({"code": format!("CD-N{i}"), "name": format!("Chi đoàn số {i}"), "level": "Chi đoàn", "parent_code": "XA-B", "members": i});
            client.post(url).bearer_auth(token).json(&body).send().await.map(|r| r.status().as_u16())
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap().unwrap());
    }
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(app.unit_codes(&admin).await.len(), 56);
}

#[tokio::test]
async fn the_units_page_creates_imports_and_shows_row_errors() {
    let app = spawn_app().await;
    app.create_user("btc", "admin", None);
    let form = [
        ("username", "btc"),
        ("password", crate::helpers::PASSWORD),
        ("next", "/admin/units"),
    ];
    app.client
        .post(app.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();

    let part = reqwest::multipart::Part::bytes(TREE_CSV.as_bytes().to_vec()).file_name("donvi.csv");
    let r = app
        .client
        .post(app.url("/admin/units/import"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Đã nhập: 6 đơn vị mới"), "{html}");
    assert!(html.contains("Chi đoàn khu phố 1"));

    let bad = "code,name,level,parent_code,members\nZ,Z,Chi đoàn,KHONG-CO,1\n";
    let part = reqwest::multipart::Part::bytes(bad.as_bytes().to_vec()).file_name("loi.csv");
    let r = app
        .client
        .post(app.url("/admin/units/import"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Dòng 2") && html.contains("KHONG-CO"),
        "{html}"
    );

    let r = app
        .client
        .post(app.url("/admin/units"))
        .form(&[
            ("code", "CD-B2"),
            ("name", "Chi đoàn khu phố 2"),
            ("level", "Chi đoàn"),
            ("parent_code", "XA-B"),
            ("members", "18"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = app
        .client
        .get(app.url("/admin/units?msg=created"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đã thêm đơn vị") && html.contains("Chi đoàn khu phố 2"));
}
