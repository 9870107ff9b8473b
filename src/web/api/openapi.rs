//! The OpenAPI 3 description of every `/api/v1` route (kept next to the
//! route table; a test checks that every route is described).

use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

/// (method, path, summary, auth: "none" | "staff" | "participant", request schema, success status)
/// (method, path, summary, auth, request schema, success status)
type RouteDoc = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    u16,
);

pub const ROUTES: &[RouteDoc] = &[
    (
        "post",
        "/auth/login",
        "Đăng nhập tài khoản ban tổ chức / Staff sign-in",
        "none",
        Some("Login"),
        200,
    ),
    (
        "post",
        "/auth/logout",
        "Đăng xuất (phiên này kết thúc ngay trên mọi máy chủ) / Sign out (this session ends everywhere at once)",
        "none",
        None,
        204,
    ),
    (
        "post",
        "/auth/logout-all",
        "Đăng xuất mọi thiết bị / End every session of the account",
        "staff",
        None,
        204,
    ),
    (
        "post",
        "/auth/password",
        "Đổi mật khẩu (các phiên khác kết thúc) / Change password (other sessions end)",
        "staff",
        Some("PasswordChange"),
        200,
    ),
    (
        "get",
        "/me",
        "Tài khoản hiện tại / The caller's account",
        "staff",
        None,
        200,
    ),
    (
        "post",
        "/accounts",
        "Tạo tài khoản (admin) / Create an account",
        "staff",
        Some("NewAccount"),
        201,
    ),
    (
        "get",
        "/units",
        "Cây đơn vị (?root=CODE) / The unit tree",
        "staff",
        None,
        200,
    ),
    (
        "post",
        "/units",
        "Thêm đơn vị / Create a unit",
        "staff",
        Some("Unit"),
        201,
    ),
    (
        "post",
        "/units/import",
        "Nhập cây đơn vị từ CSV / Import units (text/csv body)",
        "staff",
        None,
        200,
    ),
    (
        "get",
        "/units/{code}",
        "Một đơn vị / One unit",
        "staff",
        None,
        200,
    ),
    (
        "put",
        "/units/{code}",
        "Sửa hoặc chuyển đơn vị / Edit or move a unit",
        "staff",
        Some("Unit"),
        200,
    ),
    (
        "get",
        "/banks",
        "Danh sách ngân hàng câu hỏi / Question banks",
        "staff",
        None,
        200,
    ),
    (
        "post",
        "/banks",
        "Nhập ngân hàng (multipart: file, format?, slug?, title?) / Import a bank",
        "staff",
        None,
        201,
    ),
    (
        "get",
        "/banks/template.xlsx",
        "Tệp Excel mẫu / The XLSX template",
        "staff",
        None,
        200,
    ),
    (
        "get",
        "/banks/{slug}/versions/{n}",
        "Một phiên bản ngân hàng / A bank version",
        "staff",
        None,
        200,
    ),
    (
        "get",
        "/banks/{slug}/versions/{n}/export",
        "Xuất (?format=toml|xlsx) / Export a version",
        "staff",
        None,
        200,
    ),
    (
        "post",
        "/contests",
        "Tạo hội thi / Create a contest",
        "staff",
        Some("ContestInput"),
        201,
    ),
    (
        "get",
        "/contests/{slug}",
        "Thông tin công khai của hội thi / Public contest info",
        "none",
        None,
        200,
    ),
    (
        "put",
        "/contests/{slug}",
        "Sửa hội thi / Edit a contest",
        "staff",
        Some("ContestInput"),
        200,
    ),
    (
        "post",
        "/contests/{slug}/participants",
        "Đăng ký dự thi / Register",
        "none",
        Some("Registration"),
        201,
    ),
    (
        "post",
        "/contests/{slug}/sessions",
        "Đăng nhập thí sinh / Participant sign-in",
        "none",
        Some("SignIn"),
        200,
    ),
    (
        "delete",
        "/contests/{slug}/sessions",
        "Thí sinh đăng xuất / Participant sign-out",
        "participant",
        None,
        204,
    ),
    (
        "get",
        "/contests/{slug}/locks",
        "Số điện thoại bị tạm khóa đăng nhập (ban tổ chức) / Phones locked after failed sign-ins",
        "staff",
        None,
        200,
    ),
    (
        "delete",
        "/contests/{slug}/locks/{phone}",
        "Mở khóa đăng nhập cho một số điện thoại (ghi nhật ký) / Clear a phone's sign-in lock (audited)",
        "staff",
        None,
        204,
    ),
    (
        "get",
        "/contests/{slug}/rounds/{n}/leaderboard",
        "Bảng xếp hạng cá nhân (?unit=&limit=&offset=) / Person board",
        "none",
        None,
        200,
    ),
    (
        "get",
        "/contests/{slug}/rounds/{n}/units",
        "Xếp hạng tập thể (?parent=&metric=count|rate|average|points) / Unit board",
        "none",
        None,
        200,
    ),
    (
        "get",
        "/contests/{slug}/rounds/{n}/results.csv",
        "Xuất kết quả đầy đủ CSV (ban tổ chức) / Full results as CSV",
        "staff",
        None,
        200,
    ),
    (
        "get",
        "/contests/{slug}/rounds/{n}/items",
        "Phân tích câu hỏi (ban tổ chức) / Item analysis",
        "staff",
        None,
        200,
    ),
    (
        "post",
        "/contests/{slug}/otp",
        "Gửi mã OTP qua tin nhắn / Send a one-time code",
        "none",
        Some("OtpRequest"),
        202,
    ),
    (
        "post",
        "/contests/{slug}/attempts",
        "Bắt đầu lượt thi / Start an attempt",
        "participant",
        Some("StartAttempt"),
        201,
    ),
    (
        "post",
        "/contests/{slug}/rounds/{n}/close",
        "Đóng vòng thi / Close a round",
        "staff",
        None,
        200,
    ),
    (
        "get",
        "/attempts/{id}",
        "Xem lại bài đang làm / Resume an attempt",
        "participant",
        None,
        200,
    ),
    (
        "put",
        "/attempts/{id}/answers/{position}",
        "Lưu một câu trả lời / Save one answer",
        "participant",
        Some("Choices"),
        204,
    ),
    (
        "post",
        "/attempts/{id}/submit",
        "Nộp bài / Submit",
        "participant",
        Some("Submit"),
        200,
    ),
    (
        "get",
        "/contests/{slug}/rounds/{n}/export/{file}",
        "Xuất results|winners|units .csv/.xlsx (ban tổ chức: đầy đủ; cơ quan phối hợp: che) / Exports",
        "staff",
        None,
        200,
    ),
    (
        "get",
        "/contests/{slug}/rounds/{n}/live",
        "Số người đang thi / đã nộp / Live counts",
        "none",
        None,
        200,
    ),
    (
        "get",
        "/contests/{slug}/rounds/{n}/prizes",
        "Danh sách giải (đã công bố, kèm SHA-256) / Prize list",
        "none",
        None,
        200,
    ),
    (
        "put",
        "/contests/{slug}/rounds/{n}/prizes/plan",
        "Cơ cấu giải và hạn mức theo đối tượng / Prize tiers and quotas",
        "staff",
        Some("PrizePlan"),
        200,
    ),
    (
        "post",
        "/contests/{slug}/rounds/{n}/prizes/publish",
        "Công bố danh sách giải / Publish the prize list",
        "staff",
        None,
        200,
    ),
    (
        "get",
        "/contests/{slug}/leaderboard",
        "Bảng xếp hạng chung các vòng / Overall ranking",
        "none",
        None,
        200,
    ),
    (
        "get",
        "/contests/{slug}/review",
        "Nhóm nghi trùng và quyết định / Duplicate review",
        "staff",
        None,
        200,
    ),
    (
        "post",
        "/contests/{slug}/review/decisions",
        "Quyết định về một nhóm nghi trùng / Record a review decision",
        "staff",
        Some("Decision"),
        204,
    ),
    (
        "get",
        "/contests/{slug}/export/{file}",
        "Xuất quyết định trùng lặp decisions.csv/.xlsx / Decisions export",
        "staff",
        None,
        200,
    ),
    (
        "get",
        "/contests/{slug}/viewers",
        "Cơ quan phối hợp được xem / Assigned viewers",
        "staff",
        None,
        200,
    ),
    (
        "post",
        "/contests/{slug}/viewers",
        "Thêm tài khoản xem / Assign a viewer",
        "staff",
        Some("Viewer"),
        200,
    ),
    (
        "delete",
        "/contests/{slug}/viewers/{username}",
        "Bỏ tài khoản xem / Remove a viewer",
        "staff",
        None,
        200,
    ),
    (
        "get",
        "/contests/{slug}/share-links",
        "Liên kết chia sẻ / Share links",
        "staff",
        None,
        200,
    ),
    (
        "post",
        "/contests/{slug}/share-links",
        "Tạo liên kết xem kết quả / Create a share link",
        "staff",
        Some("ShareLink"),
        201,
    ),
    (
        "delete",
        "/contests/{slug}/share-links/{id}",
        "Thu hồi liên kết / Revoke a share link",
        "staff",
        None,
        204,
    ),
    (
        "get",
        "/share/{token}",
        "Kết quả qua liên kết chia sẻ (che) / Results through a share link",
        "none",
        None,
        200,
    ),
    (
        "get",
        "/units/{code}/activities",
        "Sổ hoạt động (?year=&kind=&subtree=true) / Activity ledger",
        "staff",
        None,
        200,
    ),
    (
        "post",
        "/units/{code}/activities",
        "Thêm hoạt động / Add a manual record",
        "staff",
        Some("ActivityRecord"),
        201,
    ),
    (
        "get",
        "/units/{code}/export/{file}",
        "Xuất sổ hoạt động activities.csv/.xlsx / Ledger export",
        "staff",
        None,
        200,
    ),
    (
        "get",
        "/units/{code}/year",
        "Đánh giá \"3 chủ động\" của năm (?year=) / Yearly record",
        "staff",
        None,
        200,
    ),
    (
        "put",
        "/activities/{id}",
        "Sửa hoạt động / Edit a manual record",
        "staff",
        Some("ActivityRecord"),
        200,
    ),
    (
        "delete",
        "/activities/{id}",
        "Xoá hoạt động / Delete a manual record",
        "staff",
        None,
        204,
    ),
    (
        "get",
        "/activity-scheme",
        "Cách tính \"3 chủ động\" / The yearly scheme",
        "staff",
        None,
        200,
    ),
    (
        "put",
        "/activity-scheme",
        "Sửa cách tính (admin) / Edit the scheme",
        "staff",
        Some("Scheme"),
        200,
    ),
    (
        "get",
        "/openapi.json",
        "Tài liệu này / This document",
        "none",
        None,
        200,
    ),
];

fn schemas() -> Value {
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required});
    json!({
        "Error": s(json!({"error": s(json!({
            "code": {"type": "string"}, "message": {"type": "string"}, "message_en": {"type": "string"},
            "details": {"type": "array", "items": s(json!({"file": {"type": "string"}, "row": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}, "message_en": {"type": "string"}}), json!(["row", "field", "message"]))}
        }), json!(["code", "message"]))}), json!(["error"])),
        "Login": s(json!({"username": {"type": "string"}, "password": {"type": "string"}}), json!(["username", "password"])),
        "PasswordChange": s(json!({"current_password": {"type": "string"}, "new_password": {"type": "string"}}), json!(["current_password", "new_password"])),
        "NewAccount": s(json!({"username": {"type": "string"}, "password": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "organizer", "viewer"]}, "unit_code": {"type": "string"}, "display_name": {"type": "string"}}), json!(["username", "role"])),
        "Unit": s(json!({"code": {"type": "string"}, "name": {"type": "string"}, "level": {"type": "string"}, "parent_code": {"type": "string"}, "members": {"type": "integer", "minimum": 0}}), json!(["name", "level"])),
        "ContestInput": s(json!({
            "slug": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
            "unit_code": {"type": "string"}, "eligible_unit_code": {"type": "string"}, "co_organizers": {"type": "array", "items": {"type": "string"}},
            "bank_slug": {"type": "string"}, "bank_version": {"type": "integer"},
            "blueprint": {"type": "array", "items": s(json!({"topic": {"type": "string"}, "difficulty": {"type": "string", "enum": ["easy", "medium", "hard"]}, "count": {"type": "integer", "minimum": 1}}), json!(["topic", "difficulty", "count"]))},
            "minutes": {"type": "integer", "default": 15}, "attempts_per_round": {"type": "integer", "default": 2}, "grace_seconds": {"type": "integer", "default": 10},
            "rounds": {"type": "array", "items": s(json!({"opens_at": {"type": "string", "format": "date-time"}, "closes_at": {"type": "string", "format": "date-time"}}), json!(["opens_at", "closes_at"]))},
            "prediction": s(json!({"prompt": {"type": "string"}, "target": {"type": "string", "enum": ["perfect", "participants"]}}), json!(["prompt", "target"])),
            "age_min": {"type": "integer", "default": 16}, "age_max": {"type": "integer", "default": 35}, "show_answers_after_close": {"type": "boolean", "default": true},
            "identity_check": {"type": "string", "enum": ["birth_date", "otp"], "default": "birth_date"}
        }), json!(["slug", "title", "unit_code", "bank_slug", "blueprint", "rounds"])),
        "Registration": s(json!({
            "full_name": {"type": "string"}, "birth_date": {"type": "string", "format": "date"}, "phone": {"type": "string"},
            "unit_code": {"type": "string"}, "category": {"type": "string", "enum": ["doan_vien", "thanh_nien", "hssv", "cbccvc", "khac"]},
            "cccd": {"type": "string"}, "email": {"type": "string"}, "invited_by_phone": {"type": "string"}, "consent": {"type": "boolean"}, "otp": {"type": "string"}
        }), json!(["full_name", "birth_date", "phone", "unit_code", "category", "consent"])),
        "SignIn": s(json!({"phone": {"type": "string"}, "birth_date": {"type": "string", "format": "date"}, "otp": {"type": "string"}}), json!(["phone"])),
        "OtpRequest": s(json!({"phone": {"type": "string"}}), json!(["phone"])),
        "StartAttempt": s(json!({"practice": {"type": "boolean", "default": false}, "timed": {"type": "boolean", "default": true}}), json!([])),
        "Choices": s(json!({"choices": {"type": "array", "items": {"type": "string", "enum": ["A", "B", "C", "D", "E", "F"]}}}), json!(["choices"])),
        "Submit": s(json!({"prediction": {"type": "integer", "minimum": 0}}), json!([])),
        "PrizePlan": s(json!({"tiers": {"type": "string", "description": "Một hạng mỗi dòng: \"Giải Nhất: 1\""}, "quotas": {"type": "string", "description": "Mỗi dòng \"thanh_nien: 2\""}}), json!(["tiers"])),
        "Decision": s(json!({"group_key": {"type": "string"}, "decision": {"type": "string", "enum": ["same", "different", "disqualify", "reinstate"]}, "participant_id": {"type": "string"}, "reason": {"type": "string"}}), json!(["group_key", "decision", "reason"])),
        "Viewer": s(json!({"username": {"type": "string"}}), json!(["username"])),
        "ShareLink": s(json!({"label": {"type": "string"}, "days": {"type": "integer", "minimum": 1, "maximum": 365, "default": 30}}), json!([])),
        "ActivityRecord": s(json!({"kind": {"type": "string", "enum": ["SINH_HOAT", "NGAY_DOAN_VIEN", "CONG_TRINH", "KET_NAP", "TAP_HUAN", "KHAC"]}, "date": {"type": "string", "format": "date"}, "title": {"type": "string"}, "participants": {"type": "integer"}, "member_participants": {"type": "integer"}, "notes": {"type": "string"}, "evidence_url": {"type": "string"}}), json!(["kind", "date", "title"])),
        "Scheme": s(json!({"rules": {"type": "array", "items": s(json!({"kind": {"type": "string"}, "criterion": {"type": "integer", "minimum": 0, "maximum": 3}, "points": {"type": "integer"}, "cap": {"type": "integer"}}), json!(["kind", "criterion", "points", "cap"]))}, "levels": {"type": "array", "items": s(json!({"name": {"type": "string"}, "min_total": {"type": "integer"}, "min_each": {"type": "integer"}}), json!(["name", "min_total", "min_each"]))}}), json!(["rules", "levels"])),
    })
}

/// The methods the API answers on `path` (below `/api/v1`), upper-case, in
/// the order of the route table; empty when no route has this path.
pub fn methods_for(path: &str) -> Vec<&'static str> {
    use actix_web::dev::ResourceDef;
    use std::sync::OnceLock;
    static DEFS: OnceLock<Vec<(&'static str, ResourceDef)>> = OnceLock::new();
    let defs = DEFS.get_or_init(|| {
        ROUTES
            .iter()
            .map(|(method, p, ..)| {
                let upper = match *method {
                    "get" => "GET",
                    "post" => "POST",
                    "put" => "PUT",
                    "delete" => "DELETE",
                    _ => "PATCH",
                };
                (upper, ResourceDef::new(*p))
            })
            .collect()
    });
    crate::web::allowed_methods(defs, path)
}

/// The schema of a path parameter: round numbers and answer positions are
/// integers with the server's limits; everything else is text.
fn path_schema(name: &str) -> Value {
    match name {
        "n" => json!({"type": "integer", "minimum": 1, "maximum": 52}),
        "position" => json!({"type": "integer", "minimum": 1}),
        _ => json!({"type": "string", "minLength": 1}),
    }
}

pub fn spec() -> Value {
    let mut paths = Map::new();
    for (method, path, summary, auth, body, status) in ROUTES {
        let mut op = Map::new();
        op.insert("summary".into(), json!(summary));
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": path_schema(name)}))
            .collect();
        if !params.is_empty() {
            op.insert("parameters".into(), json!(params));
        }
        if let Some(schema) = body {
            op.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}));
        }
        match *auth {
            "staff" => {
                op.insert(
                    "security".into(),
                    json!([{"bearer": []}, {"staffCookie": []}]),
                );
            }
            "participant" => {
                op.insert(
                    "security".into(),
                    json!([{"bearer": []}, {"participantCookie": []}]),
                );
            }
            _ => {}
        }
        let err = json!({"description": "Lỗi / Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
        op.insert(
            "responses".into(),
            json!({ status.to_string(): {"description": "OK"}, "default": err }),
        );
        let entry = paths
            .entry(format!("/api/v1{path}"))
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(method.to_string(), Value::Object(op));
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "hoithi API", "version": env!("CARGO_PKG_VERSION"), "description": "Hội thi trực tuyến — online contests for the Youth Union"},
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "staffCookie": {"type": "apiKey", "in": "cookie", "name": "hoithi_token"},
                "participantCookie": {"type": "apiKey", "in": "cookie", "name": "hoithi_participant"}
            }
        }
    })
}

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(spec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_paths_are_integers_and_bodies_are_required() {
        let doc = spec();
        let op = &doc["paths"]["/api/v1/contests/{slug}/rounds/{n}/leaderboard"]["get"];
        let n = op["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "n"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(n["schema"]["type"], "integer");
        assert_eq!(n["schema"]["maximum"], 52);
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        let mut bodies = 0;
        for ops in paths.values() {
            for op in ops.as_object().into_iter().flat_map(|o| o.values()) {
                if let Some(body) = op.get("requestBody") {
                    assert_eq!(body["required"], true, "{op}");
                    bodies += 1;
                }
            }
        }
        assert!(bodies > 10);
    }
}
