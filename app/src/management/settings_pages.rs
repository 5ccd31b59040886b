//! Every page under Settings, with the permission it needs: the Management Center's cards
//! and the top navigation's Settings menu both list exactly the pages the user may open.
use crate::auth::dto::CurrentUser;
use crate::roles::permission::Permission;

/// Which heading a page sits under in the Settings menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingsGroup {
    ManagementCenter,
    ItAdministration,
}

impl SettingsGroup {
    pub const ALL: [SettingsGroup; 2] = [
        SettingsGroup::ManagementCenter,
        SettingsGroup::ItAdministration,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SettingsGroup::ManagementCenter => "Management Center",
            SettingsGroup::ItAdministration => "IT Administration",
        }
    }
}

pub struct SettingsPage {
    pub href: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub group: SettingsGroup,
    /// None: every signed-in user may open it.
    pub needs: Option<Permission>,
}

impl SettingsPage {
    /// The card title on the Management Center ("IT Administration: API Status").
    pub fn card_title(&self) -> String {
        match self.group {
            SettingsGroup::ManagementCenter => self.name.to_owned(),
            SettingsGroup::ItAdministration => format!("{}: {}", self.group.label(), self.name),
        }
    }
}

pub const SETTINGS_PAGES: [SettingsPage; 14] = [
    SettingsPage {
        href: "/settings/profile",
        name: "My Profile",
        description: "Your name, role and two-factor sign-in.",
        group: SettingsGroup::ManagementCenter,
        needs: None,
    },
    SettingsPage {
        href: "/settings/users",
        name: "Users",
        description: "Everyone in your organisation: active, inactive and invited.",
        group: SettingsGroup::ManagementCenter,
        needs: Some(Permission::ConfigureUsers),
    },
    SettingsPage {
        href: "/settings/roles",
        name: "Roles",
        description: "What each role may do, its landing page and who holds it.",
        group: SettingsGroup::ManagementCenter,
        needs: Some(Permission::ConfigureUsers),
    },
    SettingsPage {
        href: "/settings/audit",
        name: "Audit log",
        description: "Every change to users, roles, invitations and sign-ins.",
        group: SettingsGroup::ManagementCenter,
        needs: Some(Permission::ConfigureUsers),
    },
    SettingsPage {
        href: "/settings/outbox",
        name: "Outbox",
        description: "Mail Steward sent or is trying to send, with its delivery status.",
        group: SettingsGroup::ManagementCenter,
        needs: Some(Permission::ConfigureUsers),
    },
    SettingsPage {
        href: "/settings/it/source-overview",
        name: "Source Overview",
        description:
            "The Account API key, the Usage Event API keys and the sources Steward pulls data from.",
        group: SettingsGroup::ItAdministration,
        needs: Some(Permission::ConfigureDataConnectors),
    },
    SettingsPage {
        href: "/settings/it/source-mapping",
        name: "Source Mapping",
        description:
            "Where each Steward field comes from, per source; the Salesforce mapping, ownership and CSM field.",
        group: SettingsGroup::ItAdministration,
        needs: Some(Permission::ConfigureDataConnectors),
    },
    SettingsPage {
        href: "/settings/it/oauth",
        name: "Manage OAuth",
        description: "Connect Salesforce (production, sandbox or My Domain) by signing in there.",
        group: SettingsGroup::ItAdministration,
        needs: Some(Permission::ConfigureDataConnectors),
    },
    SettingsPage {
        href: "/settings/it/credentials",
        name: "Manage Credentials",
        description: "Credentials for other systems, stored encrypted and never shown again.",
        group: SettingsGroup::ItAdministration,
        needs: Some(Permission::ConfigureDataConnectors),
    },
    SettingsPage {
        href: "/settings/it/api-upload",
        name: "API Upload",
        description:
            "CSV files into the Account and Event APIs: templates, dry run, per-row results, undo.",
        group: SettingsGroup::ItAdministration,
        needs: Some(Permission::ConfigureDataConnectors),
    },
    SettingsPage {
        href: "/settings/it/email",
        name: "Email Configuration",
        description: "The domain and From address Steward sends your mail from, its DNS records and DKIM signing.",
        group: SettingsGroup::ItAdministration,
        needs: Some(Permission::ConfigureDataConnectors),
    },
    SettingsPage {
        href: "/settings/it/api-status",
        name: "API Status",
        description:
            "The last 1000 calls to the Account and Event APIs, with their failed records.",
        group: SettingsGroup::ItAdministration,
        needs: Some(Permission::ConfigureDataConnectors),
    },
    SettingsPage {
        href: "/settings/it/unmatched-email",
        name: "Unmatched email",
        description: "BCC email that matched no account (kept 30 days): assign it to an account or discard it; refused email with the reason.",
        group: SettingsGroup::ItAdministration,
        needs: Some(Permission::ConfigureDataConnectors),
    },
    SettingsPage {
        href: "/settings/it/api",
        name: "API",
        description:
            "How to call the Account and Event APIs: addresses, authentication, examples, OpenAPI.",
        group: SettingsGroup::ItAdministration,
        needs: Some(Permission::ConfigureDataConnectors),
    },
];

/// The settings pages `user` may open, in menu order.
pub fn settings_pages_for(user: &CurrentUser) -> impl Iterator<Item = &'static SettingsPage> + '_ {
    SETTINGS_PAGES
        .iter()
        .filter(move |page| page.needs.is_none_or(|permission| user.can(permission)))
}
