//! The demo that a first `hoithi serve` (or `hoithi demo`) creates: a small
//! fictional commune union, the sample bank, the contest "Hội thi tìm hiểu
//! Dịch vụ công trực tuyến năm 2023" with a round open for 7 days, and an
//! organizer and a viewer account whose passwords are printed once.

use crate::auth::Staff;
use crate::db::{contests as contest_store, units};
use crate::domain::accounts::Role;
use crate::domain::bank::Difficulty;
use crate::domain::contest::{ContestInput, Prediction, PredictionTarget, RoundInput};
use crate::domain::paper::Cell;
use crate::error::AppError;
use crate::service::accounts::{create as create_account, NewAccount};
use crate::service::banks::{import_now, ImportRequest};
use crate::service::state::AppState;

/// The demo contest's rules ("Thể lệ"), as a district union writes them.
const DEMO_RULES: &str = "Đối tượng dự thi:
- Đoàn viên, thanh niên từ 16 đến 35 tuổi đang sinh sống, học tập, làm việc trên địa bàn xã Tân Phú.
- Thành viên Ban Tổ chức và Tổ thư ký không tham gia dự thi.

Hình thức thi: trắc nghiệm trực tuyến trên điện thoại hoặc máy tính, tại đường dẫn hoặc mã QR của hội thi.

Cách thi:
1. Đăng ký bằng họ tên, ngày sinh, số điện thoại và chi đoàn của mình.
2. Mỗi lượt thi có 20 câu hỏi được chọn ngẫu nhiên từ ngân hàng câu hỏi, làm trong 15 phút; hết giờ bài được nộp tự động.
3. Mỗi người được thi tối đa 2 lượt mỗi vòng; kết quả cao nhất được tính.
4. Trả lời câu hỏi dự đoán số người đạt điểm tuyệt đối để phân định thứ hạng khi bằng điểm.

Xếp hạng: điểm cao hơn xếp trên; bằng điểm thì dự đoán gần đúng hơn, rồi thời gian làm bài ngắn hơn, rồi nộp bài sớm hơn xếp trên.

Mỗi người chỉ được công nhận một kết quả; Ban Tổ chức rà soát và loại các bài thi trùng người hoặc gian lận.";

pub const DEMO_SLUG: &str = "dvc-2023";
pub const SAMPLE_BANK: &str =
    include_str!("../../question_banks/dich-vu-cong-truc-tuyen-2023.toml");

const DEMO_UNITS: &str = "code,name,level,parent_code,members\n\
DX-TANPHU,Đoàn xã Tân Phú,Đoàn cơ sở,,180\n\
CD-AP1,Chi đoàn ấp Phú Hòa,Chi đoàn,DX-TANPHU,42\n\
CD-AP2,Chi đoàn ấp Tân Lập,Chi đoàn,DX-TANPHU,38\n\
CD-AP3,Chi đoàn ấp Bình Thạnh,Chi đoàn,DX-TANPHU,35\n\
CD-THCS,Chi đoàn Trường THCS Tân Phú,Chi đoàn,DX-TANPHU,22\n\
CD-UBND,Chi đoàn cơ quan UBND xã,Chi đoàn,DX-TANPHU,18\n";

pub struct DemoInfo {
    pub slug: String,
    /// (username, role, password) of accounts created now.
    pub accounts: Vec<(String, Role, String)>,
}

fn blueprint() -> Vec<Cell> {
    let cell = |topic: &str, d: Difficulty, count: u32| Cell {
        topic: topic.into(),
        difficulty: d,
        count,
    };
    use Difficulty::{Easy, Hard, Medium};
    vec![
        cell("cong-dvc", Easy, 2),
        cell("cong-dvc", Medium, 2),
        cell("cong-dvc", Hard, 1),
        cell("muc-do", Easy, 1),
        cell("muc-do", Medium, 2),
        cell("muc-do", Hard, 1),
        cell("vneid", Easy, 2),
        cell("vneid", Medium, 2),
        cell("vneid", Hard, 1),
        cell("de-an-06", Easy, 1),
        cell("de-an-06", Medium, 1),
        cell("de-an-06", Hard, 1),
        cell("thanh-nien", Easy, 1),
        cell("thanh-nien", Medium, 1),
        cell("thanh-nien", Hard, 1),
    ]
}

/// Creates the demo unless the contest already exists (`only_if_empty`:
/// unless any contest exists). Instances starting together on one
/// PostgreSQL take turns, so the demo is created once.
pub async fn ensure(state: &AppState, only_if_empty: bool) -> Result<Option<DemoInfo>, AppError> {
    state
        .db
        .exclusive(create_unless_there(state, only_if_empty))
        .await
}

async fn create_unless_there(
    state: &AppState,
    only_if_empty: bool,
) -> Result<Option<DemoInfo>, AppError> {
    let exists = state
        .db
        .read(move |c| {
            Ok(if only_if_empty {
                contest_store::count(c)? > 0
            } else {
                contest_store::by_slug(c, DEMO_SLUG).is_ok()
            })
        })
        .await?;
    if exists {
        return Ok(None);
    }
    let today = crate::domain::vn_time::today(state.now());
    let accounts = state
        .db
        .write(move |c| {
            units::import_csv(c, DEMO_UNITS.as_bytes(), None, today)?;
            let req = ImportRequest {
                file_name: "dich-vu-cong-truc-tuyen-2023.toml".into(),
                bytes: SAMPLE_BANK.as_bytes().to_vec(),
                ..Default::default()
            };
            import_now(c, Some("DX-TANPHU"), &req)?;
            let mut created = Vec::new();
            for (username, role, unit, name) in [
                (
                    "btc-tanphu",
                    "organizer",
                    Some("DX-TANPHU"),
                    "Ban Tổ chức Đoàn xã Tân Phú",
                ),
                ("ubnd-tanphu", "viewer", None, "Văn phòng UBND xã Tân Phú"),
            ] {
                if crate::db::accounts::by_username(c, username)?.is_some() {
                    continue;
                }
                let input = NewAccount {
                    username: username.into(),
                    password: None,
                    role: role.into(),
                    unit_code: unit.map(str::to_string),
                    display_name: Some(name.into()),
                };
                let a = create_account(c, input)?;
                created.push((a.username, a.role, a.generated_password.unwrap_or_default()));
            }
            Ok(created)
        })
        .await?;
    let now = state.now();
    let fmt = |t: chrono::NaiveDateTime| t.and_utc().to_rfc3339();
    let input = ContestInput {
        slug: DEMO_SLUG.into(),
        title: "Hội thi tìm hiểu Dịch vụ công trực tuyến năm 2023".into(),
        description: Some("Cuộc thi trắc nghiệm trực tuyến tìm hiểu về Cổng Dịch vụ công quốc gia, dịch vụ công trực tuyến, định danh điện tử VNeID, Đề án 06 và Luật Thanh niên. (Dữ liệu minh hoạ.)".into()),
        unit_code: "DX-TANPHU".into(),
        eligible_unit_code: None,
        co_organizers: vec!["Văn phòng HĐND và UBND xã Tân Phú".into()],
        bank_slug: "dich-vu-cong-truc-tuyen-2023".into(),
        bank_version: None,
        blueprint: blueprint(),
        minutes: None,
        attempts_per_round: None,
        grace_seconds: None,
        rounds: vec![RoundInput { opens_at: fmt(now - chrono::Duration::minutes(1)), closes_at: fmt(now + chrono::Duration::days(7)) }],
        prediction: Some(Prediction { prompt: "Theo bạn, vòng này có bao nhiêu người đạt điểm tuyệt đối?".into(), target: PredictionTarget::Perfect }),
        age_min: None,
        age_max: None,
        show_answers_after_close: Some(true),
        identity_check: None,
        rules: Some(DEMO_RULES.into()),
    };
    let admin = Staff {
        id: String::new(),
        username: "demo".into(),
        display_name: "demo".into(),
        role: Role::Admin,
        scope: None,
        session_id: String::new(),
        must_change_password: false,
    };
    crate::service::contests::create(state, &admin, input).await?;
    // The People's Committee office co-organizes: it sees the results, masked.
    state
        .db
        .write(move |c| {
            let contest = crate::db::contests::by_slug(c, DEMO_SLUG)?;
            if let Some(v) = crate::db::accounts::by_username(c, "ubnd-tanphu")? {
                crate::db::access::add_viewer(c, &contest.id, &v.id, &v.id, now)?;
            }
            Ok(())
        })
        .await?;
    Ok(Some(DemoInfo {
        slug: DEMO_SLUG.into(),
        accounts,
    }))
}
