//! The Accounts list query: one organisation, the caller's visibility, one view, search,
//! sort and a page, done in SQL. Counts per view come from one aggregate query, and the
//! CSM names only for the page shown, so the list stays fast with many thousands of
//! accounts.
use std::collections::HashMap;

use sea_orm::sea_query::{
    Alias, CaseStatement, Expr, ExprTrait, Func, NullOrdering, Query, SimpleExpr, SubQueryStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::accounts::dto::{
    AccountListPage, AccountQuery, AccountRow, AccountSort, AccountStatus, AccountView, DateLabel,
    PAGE_SIZE,
};
use crate::auth::dto::CurrentUser;
use crate::db::entities::{accounts, csm_assignments, users};
use crate::db::search::contains_pattern;
use crate::error::AppError;
use crate::roles::permission::Permission;
use crate::time::now_ms;

fn assignments(user_id: Option<i32>) -> sea_orm::sea_query::SelectStatement {
    let ca = Alias::new("ca");
    let mut select = Query::select();
    select
        .expr(Expr::val(1))
        .from_as(csm_assignments::Entity, ca.clone())
        .and_where(
            Expr::col((ca.clone(), csm_assignments::Column::AccountPk))
                .equals((accounts::Entity, accounts::Column::Id)),
        )
        .and_where(Expr::col((ca.clone(), csm_assignments::Column::IsAssigned)).eq(true));
    if let Some(user_id) = user_id {
        select.and_where(Expr::col((ca, csm_assignments::Column::UserId)).eq(user_id));
    }
    select.to_owned()
}

/// The account has a CSM assigned (by the API or by hand).
pub fn has_csm() -> SimpleExpr {
    Expr::exists(assignments(None))
}

/// The account is assigned to this user.
pub fn assigned_to(user_id: i32) -> SimpleExpr {
    Expr::exists(assignments(Some(user_id)))
}

/// The accounts `user` may see: all of the organisation's with View All Accounts,
/// otherwise the ones assigned to them.
pub fn visible_to(user: &CurrentUser) -> Condition {
    let mut condition = Condition::all()
        .add(Expr::col((accounts::Entity, accounts::Column::OrgId)).eq(user.org_id));
    if !user.can(Permission::ViewAllAccounts) {
        condition = condition.add(assigned_to(user.id));
    }
    condition
}

fn col(column: accounts::Column) -> Expr {
    Expr::col((accounts::Entity, column))
}

fn view_condition(view: AccountView, user_id: i32) -> Option<SimpleExpr> {
    match view {
        AccountView::All => None,
        AccountView::Active => Some(
            col(accounts::Column::IsActive)
                .eq(true)
                .and(col(accounts::Column::IsChurned).eq(false))
                .and(col(accounts::Column::IsDeleted).eq(false)),
        ),
        AccountView::Churned => Some(col(accounts::Column::IsChurned).eq(true)),
        AccountView::Unassigned => Some(has_csm().not()),
        AccountView::Mine => Some(assigned_to(user_id)),
    }
}

/// `(SELECT COUNT(*) FROM csm_assignments WHERE account_pk = accounts.id AND is_assigned)`
fn csm_count() -> SimpleExpr {
    let ca = Alias::new("ca");
    SimpleExpr::SubQuery(
        None,
        Box::new(SubQueryStatement::SelectStatement(
            Query::select()
                .expr(Expr::col((ca.clone(), csm_assignments::Column::Id)).count())
                .from_as(csm_assignments::Entity, ca.clone())
                .and_where(
                    Expr::col((ca.clone(), csm_assignments::Column::AccountPk))
                        .equals((accounts::Entity, accounts::Column::Id)),
                )
                .and_where(Expr::col((ca, csm_assignments::Column::IsAssigned)).eq(true))
                .to_owned(),
        )),
    )
}

/// Accounts per view among those the user may see, in one pass over them.
async fn counts(db: &impl ConnectionTrait, user: &CurrentUser) -> Result<[u64; 5], AppError> {
    let mut select = accounts::Entity::find()
        .select_only()
        .column_as(col(accounts::Column::Id).count(), "view_0")
        .filter(visible_to(user));
    for (i, view) in AccountView::ALL.into_iter().enumerate().skip(1) {
        let condition = view_condition(view, user.id).expect("every view but All filters");
        let case: SimpleExpr = CaseStatement::new()
            .case(condition, Expr::val(1))
            .finally(Expr::val(0))
            .into();
        select = select.column_as(
            SimpleExpr::from(Func::coalesce([
                SimpleExpr::from(Func::sum(case)),
                SimpleExpr::from(Expr::val(0)),
            ])),
            format!("view_{i}"),
        );
    }
    let row: Option<(i64, i64, i64, i64, i64)> = select.into_tuple().one(db).await?;
    let (a, b, c, d, e) = row.unwrap_or_default();
    Ok([a, b, c, d, e].map(|n| Ord::max(n, 0) as u64))
}

pub async fn list_accounts(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    query: &AccountQuery,
) -> Result<AccountListPage, AppError> {
    let now = now_ms();
    let counts = counts(db, user).await?;

    let mut select = accounts::Entity::find().filter(visible_to(user));
    if let Some(condition) = view_condition(query.view, user.id) {
        select = select.filter(condition);
    }
    if !query.search.is_empty() {
        let pattern = contains_pattern(&query.search);
        select = select.filter(
            Condition::any()
                .add(Expr::expr(Func::lower(col(accounts::Column::Name))).like(pattern.clone()))
                .add(Expr::expr(Func::lower(col(accounts::Column::AccountId))).like(pattern)),
        );
    }
    let total = select.clone().count(db).await?;

    let order = if query.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    // Missing values go last in either direction, the same on every database.
    let last = NullOrdering::Last;
    select = match query.sort {
        AccountSort::Name => {
            select.order_by(Func::lower(col(accounts::Column::Name)), order.clone())
        }
        AccountSort::AccountId => {
            select.order_by(Func::lower(col(accounts::Column::AccountId)), order.clone())
        }
        AccountSort::Stage => select.order_by_with_nulls(
            Func::lower(col(accounts::Column::CurrentStage)),
            order.clone(),
            last,
        ),
        AccountSort::Mrr => {
            select.order_by_with_nulls(accounts::Column::CurrentMrr, order.clone(), last)
        }
        AccountSort::JoinDate => select.order_by(accounts::Column::JoinDate, order.clone()),
        AccountSort::Renewal => {
            select.order_by_with_nulls(accounts::Column::RenewalDate, order.clone(), last)
        }
        AccountSort::Csms => select.order_by(csm_count(), order.clone()),
    };
    // A stable tie-breaker, so pages never overlap.
    select = select.order_by(accounts::Column::Id, Order::Asc);

    let page_count = std::cmp::max(total.div_ceil(PAGE_SIZE), 1);
    let page = query.page.clamp(1, page_count);
    let models = select
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;

    let names = csm_names(
        db,
        user.org_id,
        &models.iter().map(|a| a.id).collect::<Vec<_>>(),
    )
    .await?;
    let rows = models
        .into_iter()
        .map(|account| AccountRow {
            id: account.id,
            status: AccountStatus::of(account.is_active, account.is_churned, account.is_deleted),
            renewal: account.renewal_date.map(|at| DateLabel::new(at, now)),
            csms: names.get(&account.id).cloned().unwrap_or_default(),
            account_id: account.account_id,
            name: account.name,
            stage: account.current_stage,
            mrr: account.current_mrr,
        })
        .collect();
    Ok(AccountListPage {
        rows,
        total,
        page,
        page_count,
        counts,
        view_all: user.can(Permission::ViewAllAccounts),
    })
}

/// The assigned CSMs' names (or emails) per account, alphabetical, for a page of accounts.
async fn csm_names(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_pks: &[i32],
) -> Result<HashMap<i32, Vec<String>>, AppError> {
    if account_pks.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = csm_assignments::Entity::find()
        .filter(csm_assignments::Column::OrgId.eq(org_id))
        .filter(csm_assignments::Column::AccountPk.is_in(account_pks.iter().copied()))
        .filter(csm_assignments::Column::IsAssigned.eq(true))
        .all(db)
        .await?;
    let people = user_labels(db, org_id, rows.iter().map(|r| r.user_id)).await?;
    let mut names: HashMap<i32, Vec<String>> = HashMap::new();
    for row in rows {
        if let Some((name, _)) = people.get(&row.user_id) {
            names.entry(row.account_pk).or_default().push(name.clone());
        }
    }
    for list in names.values_mut() {
        list.sort_by_key(|n| n.to_lowercase());
    }
    Ok(names)
}

/// `users.id` → (name or email, email), for users of the organisation.
pub async fn user_labels(
    db: &impl ConnectionTrait,
    org_id: i32,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, (String, String)>, AppError> {
    let mut ids: Vec<i32> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| {
            let label = if u.name.is_empty() {
                u.email.clone()
            } else {
                u.name
            };
            (u.id, (label, u.email))
        })
        .collect())
}

/// The account with this id, when it is in the user's organisation and theirs to see.
pub async fn visible_account(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    account_pk: i32,
) -> Result<accounts::Model, AppError> {
    accounts::Entity::find()
        .filter(accounts::Column::Id.eq(account_pk))
        .filter(visible_to(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}
