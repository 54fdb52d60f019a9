//! The variants a run simulates on the same draws, and the index of each in every
//! per-variant list (results, the fan, partial files): uninsured first, then the
//! policy. A file without `[insurance]` still has the second variant, which is then
//! the uninsured one again (MODEL.md section 7), so that version-1 outputs keep their
//! columns; model version 2 makes the list uninsured plus each of up to six policies.

/// The uninsured variant: always first.
pub const UNINSURED: usize = 0;
/// The variant of the file's policy (version 1: the only one).
pub const INSURED: usize = 1;
/// The most variants a run can have: uninsured and six policies (MODEL.md section 14).
pub const MAX_VARIANTS: usize = 7;

/// The name of variant `v` in files and column names: `uninsured`, `insured` (the
/// first policy, as in version 1), then `policy2`, `policy3`, ... (MODEL.md section
/// 14: k is the policy's 1-based position).
pub fn name(v: usize) -> std::borrow::Cow<'static, str> {
    match v {
        UNINSURED => "uninsured".into(),
        INSURED => "insured".into(),
        k => format!("policy{k}").into(),
    }
}
