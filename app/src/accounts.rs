//! Accounts: the list of customer accounts (views All, Active, Churned, Unassigned, My)
//! and the account page, with manual CSM assignment.
