#![recursion_limit = "512"]
// mimalloc instead of glibc's malloc: the APIs build and drop many small values per
// request (parsed JSON, row values), where glibc's free and consolidation showed at the
// top of the Account API profile. The benchmark uses the same allocator as the server.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::Parser;

use server::cli::{ApiKeyCommand, Cli, Command, ConnectorCommand, OrgCommand, SecretCommand};
use server::startup::{build_state, load_settings, serve, StartError};

fn main() {
    // At least two worker threads even on a one-core machine: with a single worker, Leptos'
    // server rendering can wait forever on a resource future (leptos-rs/leptos#4647).
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(2);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(run(Cli::parse())),
        Err(error) => Err(StartError(format!(
            "cannot start the async runtime: {error}"
        ))),
    };
    if let Err(error) = result {
        eprintln!("steward: {error}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), StartError> {
    if let Some(Command::Secret {
        command: SecretCommand::Rotate,
    }) = cli.command
    {
        let state = build_state(load_settings()?).await?;
        let report =
            app::connections::ssr::rotate::rotate(&state.db, &state.secrets, |column, so_far| {
                println!("{column}: {} re-encrypted so far", so_far.resealed);
            })
            .await
            .map_err(|e| StartError(e.to_string()))?;
        println!(
            "Done: {} value(s) re-encrypted under key {}, {} already under it, {} changed meanwhile (left to their writer; run again to finish). You can now remove the old key from previous_secret_keys.",
            report.resealed,
            state.secrets.current_key_id(),
            report.already_current,
            report.skipped_changed
        );
        return Ok(());
    }
    if let Some(Command::Secret {
        command: SecretCommand::Generate,
    }) = cli.command
    {
        println!("{}", app::crypto::SecretKey::generate_base64());
        return Ok(());
    }
    let settings = load_settings()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(build_state(settings).await?).await,
        Command::Migrate => {
            build_state(settings).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Org {
            command: OrgCommand::Create { name, admin_email },
        } => {
            let state = build_state(settings).await?;
            let created = app::orgs::ssr::service::create_organisation(
                &state.db,
                &state.settings,
                &name,
                &admin_email,
            )
            .await
            .map_err(|e| StartError(e.to_string()))?;
            println!(
                "Created organisation \"{}\" (id {}) with a pending administrator {}.",
                name.trim(),
                created.org_id,
                admin_email.trim()
            );
            println!("The administrator finishes set-up with this one-time link:");
            println!("{}", created.setup_link);
            Ok(())
        }
        Command::ApiKey {
            command: ApiKeyCommand::Create { org, kind, name },
        } => {
            let state = build_state(settings).await?;
            let key = app::api_keys::ssr::service::create_from_command_line(
                &state.db, &org, &kind, &name,
            )
            .await
            .map_err(|e| StartError(e.to_string()))?;
            println!(
                "Created {} \"{}\" (id {}). It is shown only now:",
                key.kind.label(),
                key.name,
                key.id
            );
            match key.auth_key {
                Some(auth_key) => println!("{auth_key} {}", key.api_key),
                None => println!("{}", key.api_key),
            }
            Ok(())
        }
        Command::Connector {
            command: ConnectorCommand::Run { org, source },
        } => {
            use app::salesforce_sync::ssr::{reader::Retry, run};
            let state = build_state(settings).await?;
            let org_id = run::org_by_name_or_id(&state.db, &org)
                .await
                .map_err(|e| StartError(e.to_string()))?;
            let summary = run::run(
                &state,
                org_id,
                source.trim(),
                run::Trigger::Cli,
                Retry::default(),
            )
            .await
            .map_err(|e| StartError(e.to_string()))?;
            println!("{}", summary.line());
            if summary.succeeded() {
                Ok(())
            } else {
                Err(StartError(format!("the run failed (run {})", summary.id)))
            }
        }
        Command::BccAddress { org } => {
            let state = build_state(settings).await?;
            let address = app::bcc_email::ssr::address::for_command_line(&state, &org)
                .await
                .map_err(|e| StartError(e.to_string()))?;
            println!("BCC address (add it as BCC on customer email to sync it as an interaction):");
            println!("{address}");
            Ok(())
        }
        Command::Secret { .. } => unreachable!("handled above"),
    }
}
