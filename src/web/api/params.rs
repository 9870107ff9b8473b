//! Path parameters of the API, one type per shape: each is both the actix
//! extractor (`web::Path<Round>`) and the OpenAPI description of the
//! parameters, so the document cannot drift from what the server parses.

use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::accounts::Username;
use crate::domain::contest::MAX_ROUNDS;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct Slug {
    /// Mã hội thi / The contest's slug.
    #[param(example = "dvc-2023")]
    pub slug: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct Round {
    /// Mã hội thi / The contest's slug.
    #[param(example = "dvc-2023")]
    pub slug: String,
    /// Số thứ tự vòng thi / The round's number.
    #[param(minimum = 1, maximum = 52, example = 1)]
    pub n: i32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RoundFile {
    /// Mã hội thi / The contest's slug.
    #[param(example = "dvc-2023")]
    pub slug: String,
    /// Số thứ tự vòng thi / The round's number.
    #[param(minimum = 1, maximum = 52, example = 1)]
    pub n: i32,
    /// `results|winners|units|survey` `.csv|.xlsx` (`survey`: rows by the
    /// units below `parent`).
    #[param(
        pattern = r"^(results|winners|units|survey)\.(csv|xlsx)$",
        example = "results.xlsx"
    )]
    pub file: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ContestFile {
    /// Mã hội thi / The contest's slug.
    #[param(example = "dvc-2023")]
    pub slug: String,
    /// `decisions.csv` hoặc `decisions.xlsx`.
    #[param(pattern = r"^decisions\.(csv|xlsx)$", example = "decisions.csv")]
    pub file: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct Bank {
    /// Mã ngân hàng câu hỏi / The bank's slug.
    #[param(example = "dich-vu-cong-truc-tuyen-2023")]
    pub slug: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct BankVersion {
    /// Mã ngân hàng câu hỏi / The bank's slug.
    #[param(example = "dich-vu-cong-truc-tuyen-2023")]
    pub slug: String,
    /// Số phiên bản / The version number.
    #[param(minimum = 1, example = 1)]
    pub n: i32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct Code {
    /// Mã đơn vị / The unit's code.
    #[param(example = "DX-TANPHU")]
    pub code: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CodeFile {
    /// Mã đơn vị / The unit's code.
    #[param(example = "DX-TANPHU")]
    pub code: String,
    /// `activities.csv` hoặc `activities.xlsx`.
    #[param(pattern = r"^activities\.(csv|xlsx)$", example = "activities.csv")]
    pub file: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct Id {
    /// Mã định danh / The identifier.
    pub id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AnswerAt {
    /// Mã lượt thi / The attempt's id.
    pub id: String,
    /// Số thứ tự câu trên đề / The question's position on the paper.
    #[param(minimum = 1, example = 1)]
    pub position: i32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LockedPhone {
    /// Mã hội thi / The contest's slug.
    #[param(example = "dvc-2023")]
    pub slug: String,
    /// Số điện thoại / The phone number.
    pub phone: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ViewerOf {
    /// Mã hội thi / The contest's slug.
    #[param(example = "dvc-2023")]
    pub slug: String,
    /// Tên đăng nhập / The viewer's username.
    #[param(value_type = String)]
    pub username: Username,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LinkOf {
    /// Mã hội thi / The contest's slug.
    #[param(example = "dvc-2023")]
    pub slug: String,
    /// Mã liên kết / The link's id.
    pub id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct Token {
    /// Mã của liên kết chia sẻ / The share link's token.
    pub token: String,
}

const _: () = assert!(
    MAX_ROUNDS == 52,
    "the documented round limit (maximum = 52) must follow the domain"
);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct Account {
    /// Tên đăng nhập / The account's username.
    #[param(value_type = String)]
    pub username: Username,
}
