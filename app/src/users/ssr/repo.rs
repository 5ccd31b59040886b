//! The Users page query: one organisation, one tab, search, filters, sort and a page, done
//! in SQL so it stays fast with many thousands of users.
use std::collections::HashMap;

use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, NullOrdering, Query, SimpleExpr, SubQueryStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::db::entities::{one_time_tokens, users};
use crate::db::search::contains_pattern;
use crate::error::AppError;
use crate::orgs::ssr::service::PURPOSE_INVITATION;
use crate::roles::permission::Permission;
use crate::roles::ssr::repo as roles_repo;
use crate::time::{now_ms, DAY_MS};
use crate::time_label::TimeLabel;
use crate::users::dto::{RoleOption, UserPage, UserQuery, UserRow, UserSort, UserTab, PAGE_SIZE};

fn subquery(select: sea_orm::sea_query::SelectStatement) -> SimpleExpr {
    SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(select)))
}

/// `(SELECT name FROM users AS inviter WHERE inviter.id = users.invited_by)`
fn inviter_name() -> SimpleExpr {
    let inviter = Alias::new("inviter");
    subquery(
        Query::select()
            .column((inviter.clone(), users::Column::Name))
            .from_as(users::Entity, inviter.clone())
            .and_where(
                Expr::col((inviter, users::Column::Id))
                    .equals((users::Entity, users::Column::InvitedBy)),
            )
            .to_owned(),
    )
}

/// The newest invitation's creation or expiry time for each user.
fn latest_invitation(column: one_time_tokens::Column) -> SimpleExpr {
    subquery(
        Query::select()
            .expr(Func::max(Expr::col((one_time_tokens::Entity, column))))
            .from(one_time_tokens::Entity)
            .and_where(
                Expr::col((one_time_tokens::Entity, one_time_tokens::Column::UserId))
                    .equals((users::Entity, users::Column::Id)),
            )
            .and_where(
                Expr::col((one_time_tokens::Entity, one_time_tokens::Column::Purpose))
                    .eq(PURPOSE_INVITATION),
            )
            .to_owned(),
    )
}

/// CASE over the organisation's roles, for sorting by role name or seat without a join.
fn rank_of_role(ranks: &[(i32, i32)]) -> SimpleExpr {
    let mut case = sea_orm::sea_query::CaseStatement::new();
    for (role_id, rank) in ranks {
        case = case.case(
            Expr::col((users::Entity, users::Column::RoleId)).eq(*role_id),
            Expr::val(*rank),
        );
    }
    case.finally(Expr::val(i32::MAX)).into()
}

/// One page of the organisation's users; `relay_configured` is passed through to the page.
pub async fn list_users(
    db: &impl ConnectionTrait,
    org_id: i32,
    query: &UserQuery,
    relay_configured: bool,
) -> Result<UserPage, AppError> {
    let now = now_ms();
    let roles = roles_repo::roles_with_permissions(db, org_id).await?;
    let role_names: HashMap<i32, String> =
        roles.iter().map(|(r, _)| (r.id, r.name.clone())).collect();
    let seat_roles: Vec<i32> = roles
        .iter()
        .filter(|(_, p)| p.contains(&Permission::CsmSeat))
        .map(|(r, _)| r.id)
        .collect();

    // Users per state, in one grouped query.
    let per_status: Vec<(String, i64)> = users::Entity::find()
        .select_only()
        .column(users::Column::Status)
        .column_as(Expr::col(users::Column::Id).count(), "users")
        .filter(users::Column::OrgId.eq(org_id))
        .group_by(users::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = [0u64; 3];
    for (i, tab) in UserTab::ALL.iter().enumerate() {
        counts[i] = per_status
            .iter()
            .find(|(status, _)| status == tab.key())
            .map(|(_, n)| *n as u64)
            .unwrap_or(0);
    }
    let seats_in_use = users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Status.ne(UserTab::Inactive.key()))
        .filter(users::Column::RoleId.is_in(seat_roles.clone()))
        .count(db)
        .await?;

    let mut select = users::Entity::find()
        .filter(users::Column::OrgId.eq(org_id))
        .filter(users::Column::Status.eq(query.tab.key()));
    if !query.search.is_empty() {
        let pattern = contains_pattern(&query.search);
        select = select.filter(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col((users::Entity, users::Column::Name))))
                        .like(pattern.clone()),
                )
                .add(Expr::col((users::Entity, users::Column::Email)).like(pattern)),
        );
    }
    if let Some(role_id) = query.role_id {
        select = select.filter(users::Column::RoleId.eq(role_id));
    }
    match query.seat {
        Some(true) => select = select.filter(users::Column::RoleId.is_in(seat_roles.clone())),
        Some(false) => select = select.filter(users::Column::RoleId.is_not_in(seat_roles.clone())),
        None => {}
    }
    if let Some(days) = query.idle_days {
        let cutoff = now - i64::from(days) * DAY_MS;
        select = select.filter(
            Condition::any()
                .add(users::Column::LastSignInAt.is_null())
                .add(users::Column::LastSignInAt.lt(cutoff)),
        );
    }
    let total = select.clone().count(db).await?;

    let order = if query.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut by_name: Vec<(i32, String)> = role_names
        .iter()
        .map(|(id, name)| (*id, name.to_lowercase()))
        .collect();
    by_name.sort_by(|a, b| a.1.cmp(&b.1));
    let role_rank: Vec<(i32, i32)> = by_name
        .iter()
        .enumerate()
        .map(|(rank, (id, _))| (*id, rank as i32))
        .collect();
    let seat_rank: Vec<(i32, i32)> = roles
        .iter()
        .map(|(r, _)| (r.id, i32::from(seat_roles.contains(&r.id))))
        .collect();
    // Missing values sort the same way on every database: "never signed in" counts as the
    // oldest sign-in; a missing title or invitation goes last.
    let nulls_last = NullOrdering::Last;
    let never_oldest = if query.descending {
        NullOrdering::Last
    } else {
        NullOrdering::First
    };
    select = match query.sort {
        UserSort::Name => select.order_by(
            Func::lower(Expr::col((users::Entity, users::Column::Name))),
            order.clone(),
        ),
        UserSort::Email => select.order_by(users::Column::Email, order.clone()),
        UserSort::Role => select.order_by(rank_of_role(&role_rank), order.clone()),
        UserSort::Title => select.order_by_with_nulls(
            Func::lower(Expr::col((users::Entity, users::Column::Title))),
            order.clone(),
            nulls_last,
        ),
        UserSort::Seat => select.order_by(rank_of_role(&seat_rank), order.clone()),
        UserSort::LastSignIn => {
            select.order_by_with_nulls(users::Column::LastSignInAt, order.clone(), never_oldest)
        }
        UserSort::TwoFactor => select.order_by(
            Expr::col((users::Entity, users::Column::TotpSecret)).is_not_null(),
            order.clone(),
        ),
        UserSort::InvitedBy => {
            select.order_by_with_nulls(inviter_name(), order.clone(), nulls_last)
        }
        UserSort::InvitedAt => select.order_by_with_nulls(
            latest_invitation(one_time_tokens::Column::CreatedAt),
            order.clone(),
            nulls_last,
        ),
        UserSort::Expires => select.order_by_with_nulls(
            latest_invitation(one_time_tokens::Column::ExpiresAt),
            order.clone(),
            nulls_last,
        ),
    };
    // A stable tie-breaker, so pages never overlap.
    select = select.order_by(users::Column::Id, Order::Asc);

    let page_count = std::cmp::max(total.div_ceil(PAGE_SIZE), 1);
    let page = query.page.clamp(1, page_count);
    let models = select
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;

    // Inviters and invitations for this page only.
    let inviter_ids: Vec<i32> = models.iter().filter_map(|u| u.invited_by).collect();
    let inviters: HashMap<i32, String> = if inviter_ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::OrgId.eq(org_id))
            .filter(users::Column::Id.is_in(inviter_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, if u.name.is_empty() { u.email } else { u.name }))
            .collect()
    };
    let mut invitations: HashMap<i32, one_time_tokens::Model> = HashMap::new();
    if query.tab == UserTab::Pending && !models.is_empty() {
        let tokens = one_time_tokens::Entity::find()
            .filter(one_time_tokens::Column::OrgId.eq(org_id))
            .filter(one_time_tokens::Column::Purpose.eq(PURPOSE_INVITATION))
            .filter(one_time_tokens::Column::UserId.is_in(models.iter().map(|u| u.id)))
            .all(db)
            .await?;
        for token in tokens {
            let Some(user_id) = token.user_id else {
                continue;
            };
            let newer = invitations
                .get(&user_id)
                .is_none_or(|t| t.created_at < token.created_at);
            if newer {
                invitations.insert(user_id, token);
            }
        }
    }

    let rows = models
        .into_iter()
        .map(|user| {
            let invitation = invitations.get(&user.id);
            UserRow {
                id: user.id,
                role_id: user.role_id,
                phone: user.phone,
                role_name: role_names.get(&user.role_id).cloned().unwrap_or_default(),
                csm_seat: seat_roles.contains(&user.role_id),
                last_sign_in: user.last_sign_in_at.map(|at| TimeLabel::new(at, now)),
                two_factor: user.totp_secret.is_some(),
                invited_by: user.invited_by.and_then(|id| inviters.get(&id).cloned()),
                invited_at: invitation.map(|t| TimeLabel::new(t.created_at, now)),
                invite_expires: invitation.map(|t| TimeLabel::new(t.expires_at, now)),
                invite_expired: invitation
                    .is_some_and(|t| t.expires_at <= now || t.used_at.is_some()),
                name: user.name,
                email: user.email,
                title: user.title,
            }
        })
        .collect();
    Ok(UserPage {
        rows,
        total,
        page,
        page_count,
        counts,
        seats_in_use,
        roles: roles
            .into_iter()
            .map(|(r, _)| RoleOption {
                id: r.id,
                name: r.name,
            })
            .collect(),
        relay_configured,
    })
}
