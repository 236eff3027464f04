//! syncrod as a native Windows service.
//!
//! `syncrod install` registers the service with the Service Control
//! Manager (automatic start, restart on failure, running as LocalSystem);
//! the SCM then starts `syncrod --config <file> --db <cache> service`, whose
//! entry point reports to the SCM, runs the daemon, and on Stop or system
//! shutdown gives the outbox step in flight a short grace (its state is
//! saved either way) before reporting Stopped. The
//! config and cache paths are recorded at install time because
//! LocalSystem's own %APPDATA% is not the installing user's.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use syncro_store::config::{Config, ConfigError};
use tokio_util::sync::CancellationToken;
use windows_service::service::{
    ServiceAccess, ServiceAction, ServiceActionType, ServiceControl, ServiceControlAccept,
    ServiceErrorControl, ServiceExitCode, ServiceFailureActions, ServiceFailureResetPeriod,
    ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{
    self, ServiceControlHandlerResult, ServiceStatusHandle,
};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_service::{define_windows_service, service_dispatcher};

use super::logging;
use super::unit::Plan;

pub const SERVICE_NAME: &str = "syncrod";
const DISPLAY_NAME: &str = "syncro daemon (syncrod)";
const DESCRIPTION: &str =
    "Mirrors a Syncro PSA account into the local cache and sends the queued writes.";
const SERVICE_TYPE: ServiceType = ServiceType::OWN_PROCESS;

const ERROR_ACCESS_DENIED: i32 = 5;
const ERROR_SERVICE_DOES_NOT_EXIST: i32 = 1060;
const ERROR_FAILED_SERVICE_CONTROLLER_CONNECT: i32 = 1063;
const ERROR_SERVICE_EXISTS: i32 = 1073;

/// How long the SCM should wait for the drain after a stop.
const STOP_WAIT_HINT: Duration = Duration::from_secs(20);

/// `--config` / `--db` from the service's command line, for the service
/// main function (which the SCM calls with its own arguments).
struct Launch {
    config: Option<PathBuf>,
    db: Option<PathBuf>,
}

static LAUNCH: OnceLock<Launch> = OnceLock::new();

/// `syncrod service`: hands this process to the SCM, returning when the
/// service has stopped.
pub fn dispatch(config: Option<PathBuf>, db: Option<PathBuf>) -> Result<()> {
    let _ = LAUNCH.set(Launch { config, db });
    service_dispatcher::start(SERVICE_NAME, ffi_service_main).map_err(|e| {
        if code(&e) == Some(ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
            anyhow!(
                "`syncrod service` is started by the Windows service manager; in a console, use `syncrod run`"
            )
        } else {
            anyhow::Error::new(e).context("cannot connect to the Windows service manager")
        }
    })
}

define_windows_service!(ffi_service_main, service_main);

fn service_main(_arguments: Vec<OsString>) {
    let (config_path, db) = match LAUNCH.get() {
        Some(l) => (l.config.clone(), l.db.clone()),
        None => (None, None),
    };
    let config = super::load_config(config_path.as_deref(), db.as_deref());
    let log_db = match &config {
        Ok(c) => c.db_path.clone(),
        Err(_) => db.unwrap_or_else(syncro_store::config::default_db_path),
    };
    let level = config.as_ref().ok().and_then(|c| c.log_level.clone());
    logging::init(Some(&log_db), level.as_deref(), logging::Mode::Background);

    let stop = CancellationToken::new();
    let asked = stop.clone();
    let handler = move |control| match control {
        ServiceControl::Stop | ServiceControl::Shutdown | ServiceControl::Preshutdown => {
            asked.cancel();
            ServiceControlHandlerResult::NoError
        }
        ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
        _ => ServiceControlHandlerResult::NotImplemented,
    };
    let status = match service_control_handler::register(SERVICE_NAME, handler) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot register with the Windows service manager");
            return;
        }
    };
    let exit = match serve(&status, config, stop) {
        Ok(()) => ServiceExitCode::NO_ERROR,
        Err(e) => {
            tracing::error!("syncrod service failed: {e:#}");
            ServiceExitCode::ServiceSpecific(1)
        }
    };
    let _ = report(&status, ServiceState::Stopped, exit, Duration::ZERO);
}

fn serve(
    status: &ServiceStatusHandle,
    config: Result<Config, ConfigError>,
    stop: CancellationToken,
) -> Result<()> {
    report(
        status,
        ServiceState::StartPending,
        ServiceExitCode::NO_ERROR,
        Duration::from_secs(30),
    )?;
    let config = config?;
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    let _lock = super::lock::acquire(&config.db_path)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        let daemon = syncrod::Daemon::open(config)?;
        report(
            status,
            ServiceState::Running,
            ServiceExitCode::NO_ERROR,
            Duration::ZERO,
        )?;
        let run = syncrod::run(daemon, stop.clone().cancelled_owned());
        tokio::pin!(run);
        tokio::select! {
            r = &mut run => return r,
            _ = stop.cancelled() => {}
        }
        tracing::info!("stop asked by the service manager; stopping");
        let _ = report(
            status,
            ServiceState::StopPending,
            ServiceExitCode::NO_ERROR,
            STOP_WAIT_HINT,
        );
        run.await
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

fn report(
    status: &ServiceStatusHandle,
    state: ServiceState,
    exit_code: ServiceExitCode,
    wait_hint: Duration,
) -> Result<()> {
    let controls_accepted = if state == ServiceState::Running {
        ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN
    } else {
        ServiceControlAccept::empty()
    };
    status
        .set_service_status(ServiceStatus {
            service_type: SERVICE_TYPE,
            current_state: state,
            controls_accepted,
            exit_code,
            checkpoint: 0,
            wait_hint,
            process_id: None,
        })
        .context("cannot report to the Windows service manager")
}

/// `syncrod install` on Windows.
pub fn install(plan: &Plan) -> Result<()> {
    let manager = ServiceManager::local_computer(
        None::<&str>,
        ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE,
    )
    .map_err(|e| explain(e, "connect to the service manager"))?;
    let info = ServiceInfo {
        name: SERVICE_NAME.into(),
        display_name: DISPLAY_NAME.into(),
        service_type: SERVICE_TYPE,
        start_type: ServiceStartType::AutoStart,
        error_control: ServiceErrorControl::Normal,
        executable_path: plan.exe.clone(),
        launch_arguments: plan.arguments(),
        dependencies: vec![],
        account_name: None, // LocalSystem
        account_password: None,
    };
    let access = ServiceAccess::CHANGE_CONFIG | ServiceAccess::START;
    let (service, verb) = match manager.create_service(&info, access) {
        Ok(s) => (s, "registered"),
        Err(e) if code(&e) == Some(ERROR_SERVICE_EXISTS) => {
            let s = manager
                .open_service(SERVICE_NAME, access)
                .map_err(|e| explain(e, "open the syncrod service"))?;
            s.change_config(&info)
                .map_err(|e| explain(e, "update the syncrod service"))?;
            (s, "updated")
        }
        Err(e) => return Err(explain(e, "register the syncrod service")),
    };
    service
        .set_description(DESCRIPTION)
        .map_err(|e| explain(e, "describe the syncrod service"))?;
    // The restart policy is a comfort, not a requirement: where the
    // service manager refuses it (Wine's does), the service still runs.
    let restart = set_restart_policy(&service);

    println!("{verb} the Windows service `{SERVICE_NAME}` (starts at boot, as LocalSystem)");
    if let Err(e) = restart {
        eprintln!(
            "warning: {e:#}; the service is registered but will not restart by itself after a crash"
        );
    }
    println!("  command: {}", plan.display_command());
    for note in &plan.notes {
        println!("note: {note}");
    }
    println!(
        "
To start it now:   sc.exe start {SERVICE_NAME}     (or: Start-Service {SERVICE_NAME})
Its logs:          the logs folder next to the cache{}",
        plan.db
            .as_ref()
            .map(|d| format!(" ({})", logging::log_dir(d).display()))
            .unwrap_or_default()
    );
    Ok(())
}

/// Restart=on-failure: 5 s after each failure, the count reset daily.
fn set_restart_policy(service: &windows_service::service::Service) -> Result<()> {
    let restart = ServiceAction {
        action_type: ServiceActionType::Restart,
        delay: Duration::from_secs(5),
    };
    service
        .update_failure_actions(ServiceFailureActions {
            reset_period: ServiceFailureResetPeriod::After(Duration::from_secs(24 * 3600)),
            reboot_msg: None,
            command: None,
            actions: Some(vec![restart; 3]),
        })
        .map_err(|e| explain(e, "set the restart policy"))?;
    service
        .set_failure_actions_on_non_crash_failures(true)
        .map_err(|e| explain(e, "set the restart policy"))
}

/// `syncrod uninstall` on Windows: stops the service if it runs, then
/// removes it. The cache, config and logs stay.
pub fn uninstall() -> Result<()> {
    let manager = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)
        .map_err(|e| explain(e, "connect to the service manager"))?;
    let service = match manager.open_service(
        SERVICE_NAME,
        ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE,
    ) {
        Ok(s) => s,
        Err(e) if code(&e) == Some(ERROR_SERVICE_DOES_NOT_EXIST) => {
            println!("no `{SERVICE_NAME}` service is registered; nothing to remove");
            return Ok(());
        }
        Err(e) => return Err(explain(e, "open the syncrod service")),
    };
    let state = service
        .query_status()
        .map_err(|e| explain(e, "query the syncrod service"))?
        .current_state;
    if state != ServiceState::Stopped {
        if state != ServiceState::StopPending {
            service
                .stop()
                .map_err(|e| explain(e, "stop the syncrod service"))?;
        }
        println!("stopping the running service...");
        let start = Instant::now();
        while start.elapsed() < STOP_WAIT_HINT + Duration::from_secs(10) {
            match service.query_status() {
                Ok(s) if s.current_state == ServiceState::Stopped => break,
                Ok(_) => std::thread::sleep(Duration::from_millis(250)),
                Err(_) => break,
            }
        }
    }
    service
        .delete()
        .map_err(|e| explain(e, "remove the syncrod service"))?;
    println!("removed the Windows service `{SERVICE_NAME}` (the cache, config and logs are kept)");
    Ok(())
}

fn code(e: &windows_service::Error) -> Option<i32> {
    match e {
        windows_service::Error::Winapi(io) => io.raw_os_error(),
        _ => None,
    }
}

fn explain(e: windows_service::Error, action: &str) -> anyhow::Error {
    if code(&e) == Some(ERROR_ACCESS_DENIED) {
        anyhow!("cannot {action}: access denied; run this from an elevated (Administrator) prompt")
    } else {
        anyhow::Error::new(e).context(format!("cannot {action}"))
    }
}
