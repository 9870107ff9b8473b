//! The hand-written schema shared by both backends (common types only:
//! UUIDs as Text, times as Timestamp in UTC, booleans as Bool).

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    units (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        level -> Text,
        parent_id -> Nullable<Text>,
        path -> Text,
        depth -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    unit_member_counts (unit_id, as_of) {
        unit_id -> Text,
        as_of -> Date,
        members -> Integer,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        unit_id -> Nullable<Text>,
        display_name -> Text,
        created_at -> Timestamp,
        must_change_password -> Bool,
    }
}

diesel::joinable!(accounts -> units (unit_id));
diesel::joinable!(unit_member_counts -> units (unit_id));

diesel::table! {
    banks (id) {
        id -> Text,
        slug -> Text,
        unit_id -> Nullable<Text>,
        created_at -> Timestamp,
        shared -> Bool,
    }
}

diesel::table! {
    bank_versions (id) {
        id -> Text,
        bank_id -> Text,
        number -> Integer,
        content_hash -> Text,
        title -> Text,
        language -> Text,
        description -> Text,
        topics -> Text,
        question_count -> Integer,
        source_name -> Text,
        format -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    questions (id) {
        id -> Text,
        version_id -> Text,
        position -> Integer,
        qid -> Text,
        topic -> Text,
        difficulty -> Text,
        points -> Integer,
        kind -> Text,
        stem -> Text,
        options -> Text,
        correct -> Text,
        explanation -> Text,
        source -> Text,
        search_text -> Text,
    }
}

diesel::table! {
    bank_uploads (id) {
        id -> Text,
        account_id -> Text,
        file_name -> Text,
        format -> Text,
        slug -> Nullable<Text>,
        title -> Nullable<Text>,
        content -> Binary,
        created_at -> Timestamp,
        column_map -> Nullable<Text>,
        skip_unsupported -> Bool,
    }
}

diesel::table! {
    bank_column_maps (slug) {
        slug -> Text,
        column_map -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(bank_versions -> banks (bank_id));
diesel::joinable!(questions -> bank_versions (version_id));
diesel::joinable!(banks -> units (unit_id));

diesel::table! {
    contests (id) {
        id -> Text,
        slug -> Text,
        title -> Text,
        description -> Text,
        unit_id -> Text,
        eligible_unit_id -> Text,
        co_organizers -> Text,
        bank_version_id -> Text,
        blueprint -> Text,
        minutes -> Integer,
        attempts_per_round -> Integer,
        grace_seconds -> Integer,
        prediction_prompt -> Nullable<Text>,
        prediction_target -> Nullable<Text>,
        age_min -> Integer,
        age_max -> Integer,
        show_answers_after_close -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        identity_check -> Text,
        rules -> Text,
    }
}

diesel::table! {
    otp_codes (id) {
        id -> Text,
        contest_id -> Text,
        phone -> Text,
        code_hash -> Text,
        expires_at -> Timestamp,
        attempts -> Integer,
        used -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rounds (id) {
        id -> Text,
        contest_id -> Text,
        number -> Integer,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        finalized_at -> Nullable<Timestamp>,
        actual -> Nullable<BigInt>,
        prize_plan -> Nullable<Text>,
        prizes_published_at -> Nullable<Timestamp>,
        prizes_hash -> Nullable<Text>,
    }
}

diesel::table! {
    participants (id) {
        id -> Text,
        contest_id -> Text,
        phone -> Text,
        full_name -> Text,
        name_folded -> Text,
        birth_date -> Date,
        unit_id -> Text,
        category -> Text,
        cccd_hash -> Nullable<Text>,
        cccd_last4 -> Nullable<Text>,
        email -> Nullable<Text>,
        invited_by_phone -> Nullable<Text>,
        device_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        created_at -> Timestamp,
        disqualified_reason -> Nullable<Text>,
        same_as -> Nullable<Text>,
    }
}

diesel::table! {
    attempts (id) {
        id -> Text,
        contest_id -> Text,
        participant_id -> Text,
        round_id -> Nullable<Text>,
        number -> Integer,
        practice -> Bool,
        bank_version_id -> Text,
        seed -> BigInt,
        paper -> Text,
        started_at -> Timestamp,
        deadline -> Timestamp,
        status -> Text,
        finished_at -> Nullable<Timestamp>,
        score -> Nullable<Integer>,
        max_score -> Integer,
        correct -> Nullable<Integer>,
        total -> Integer,
        duration_ms -> Nullable<BigInt>,
        prediction -> Nullable<BigInt>,
    }
}

diesel::table! {
    answers (attempt_id, position) {
        attempt_id -> Text,
        position -> Integer,
        given -> Text,
        saved_at -> Timestamp,
    }
}

diesel::table! {
    round_results (round_id, participant_id) {
        round_id -> Text,
        participant_id -> Text,
        attempt_id -> Text,
        unit_id -> Text,
        score -> Integer,
        max_score -> Integer,
        duration_ms -> BigInt,
        finished_at -> Timestamp,
        prediction -> Nullable<BigInt>,
        attempts_used -> Integer,
        final_rank -> Nullable<BigInt>,
        counted -> Bool,
    }
}

diesel::table! {
    prizes (round_id, participant_id) {
        round_id -> Text,
        participant_id -> Text,
        tier -> Integer,
        tier_name -> Text,
        rank -> BigInt,
    }
}

diesel::table! {
    review_decisions (id) {
        id -> Text,
        contest_id -> Text,
        signal -> Text,
        group_key -> Text,
        members -> Text,
        decision -> Text,
        participant_id -> Nullable<Text>,
        reason -> Text,
        account_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        account_id -> Text,
        contest_id -> Nullable<Text>,
        unit_id -> Nullable<Text>,
        action -> Text,
        subject -> Text,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contest_viewers (contest_id, account_id) {
        contest_id -> Text,
        account_id -> Text,
        added_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    share_links (id) {
        id -> Text,
        contest_id -> Text,
        label -> Text,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    activities (id) {
        id -> Text,
        unit_id -> Text,
        kind -> Text,
        date -> Date,
        title -> Text,
        participants -> Integer,
        member_participants -> Integer,
        rate -> Nullable<Double>,
        average_score -> Nullable<Double>,
        winners -> Integer,
        invited_youth -> Integer,
        co_organizers -> Text,
        notes -> Text,
        evidence_url -> Text,
        contest_id -> Nullable<Text>,
        round_id -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    unit_round_stats (round_id, unit_id) {
        round_id -> Text,
        unit_id -> Text,
        participants -> Integer,
        member_participants -> Integer,
        total_score -> BigInt,
        perfect -> Integer,
        attempts -> Integer,
    }
}

diesel::joinable!(rounds -> contests (contest_id));
diesel::joinable!(participants -> units (unit_id));
diesel::joinable!(attempts -> participants (participant_id));
diesel::joinable!(answers -> attempts (attempt_id));
diesel::joinable!(round_results -> participants (participant_id));
diesel::joinable!(prizes -> participants (participant_id));
diesel::joinable!(activities -> units (unit_id));

diesel::table! {
    sessions (id) {
        id -> Text,
        kind -> Text,
        subject_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    auth_failures (key) {
        key -> Text,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_failure_at -> Timestamp,
    }
}

// One list of every table (keep it last and complete).
diesel::table! {
    unit_logos (unit_id) {
        unit_id -> Text,
        content_type -> Text,
        bytes -> Binary,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    media (sha256) {
        sha256 -> Text,
        content_type -> Text,
        width -> Integer,
        height -> Integer,
        bytes -> Binary,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    app_settings,
    units,
    unit_member_counts,
    accounts,
    banks,
    bank_versions,
    questions,
    bank_uploads,
    bank_column_maps,
    contests,
    rounds,
    participants,
    attempts,
    answers,
    round_results,
    otp_codes,
    prizes,
    review_decisions,
    audit_log,
    contest_viewers,
    share_links,
    activities,
    unit_round_stats,
    sessions,
    auth_failures,
    unit_logos,
    media,
);
