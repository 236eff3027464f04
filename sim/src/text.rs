//! Word lists and MSP ticket text for the generator.
//!
//! Placeholders filled by `generate::fill`: `{p}` a person at the customer,
//! `{h}` a hostname, `{n}` a small number, `{t}` the technician.

pub struct Topic {
    pub problem_type: &'static str,
    pub subjects: &'static [&'static str],
    pub problems: &'static [&'static str],
    pub updates: &'static [&'static str],
    pub resolutions: &'static [&'static str],
    /// Line item description when the work is billed.
    pub work: &'static str,
}

pub const TOPICS: &[Topic] = &[
    Topic {
        problem_type: "Email",
        subjects: &[
            "Outlook keeps asking for password",
            "Outlook profile corrupted for {p}",
            "Shared mailbox not updating in Outlook",
            "Emails stuck in Outbox",
        ],
        problems: &[
            "{p} says Outlook prompts for the password every few minutes since this morning. Webmail works fine.",
            "Outlook on {h} crashes on startup with 'Cannot start Microsoft Outlook. The set of folders cannot be opened.'",
            "The shared calendar stopped updating in Outlook for {p}; changes made on the phone do not show up.",
            "Messages sit in the Outbox and never send. {p} restarted the computer twice already.",
        ],
        updates: &[
            "Connected remotely to {h}. Cleared cached credentials in Credential Manager and signed back into Office.",
            "Created a new Outlook profile and re-added the mailbox; waiting for the OST to rebuild.",
            "Ran the Microsoft Support and Recovery Assistant on {h}, it found a stale autodiscover entry.",
            "Ran a quick repair of Office from Apps and Features, Outlook opens again but is slow to sync.",
        ],
        resolutions: &[
            "New Outlook profile is working, shared mailbox and calendars are back. {p} confirmed.",
            "Password prompts stopped after resetting the sign-in token and enabling modern auth. Closing.",
            "Outbox cleared after removing a {n}0 MB attachment that exceeded the send limit.",
        ],
        work: "Outlook troubleshooting",
    },
    Topic {
        problem_type: "Printing",
        subjects: &[
            "Printer offline in front office",
            "Cannot print to HP LaserJet from {h}",
            "Scan to email stopped working",
            "Printer printing blank pages",
        ],
        problems: &[
            "The front office HP LaserJet shows offline on every computer. Printing a test page from the panel works.",
            "{p} cannot print from {h}, jobs stay in the queue with status 'Error - Printing'.",
            "Scan to email on the Ricoh copier fails with 'SMTP authentication error' since Monday.",
            "The printer feeds paper but the pages come out blank. Toner was replaced last week.",
        ],
        updates: &[
            "Printer had picked up a new DHCP address. Set a reservation on the firewall and updated the port on {h}.",
            "Cleared the print spooler and removed the stale driver, reinstalled the universal PCL6 driver.",
            "Scan to email used basic SMTP auth, which Microsoft 365 disabled. Set up an app password and SMTP relay.",
            "Ordered a replacement toner cartridge, the one installed has the sealing tape still on.",
        ],
        resolutions: &[
            "Printing works from all workstations again after the IP reservation.",
            "Spooler cleared and driver reinstalled, test pages print fine from {h}.",
            "Scan to email working through the SMTP relay. {p} tested with a multi page scan.",
        ],
        work: "Printer troubleshooting",
    },
    Topic {
        problem_type: "Network",
        subjects: &[
            "VPN will not connect from home",
            "VPN disconnects every few minutes",
            "Cannot reach file server over VPN",
        ],
        problems: &[
            "{p} is working from home and the FortiClient VPN fails at 98% with 'Credential or SSLVPN configuration is wrong'.",
            "The VPN drops every five to ten minutes for {p}, the home internet itself stays up.",
            "{p} connects to the VPN but mapped drives to the file server show a red X.",
        ],
        updates: &[
            "Checked the firewall logs: the VPN user was locked out after too many attempts. Unlocked the account.",
            "Home router was on the same 192.168.1.0/24 subnet as the office. Moved the VPN pool and pushed new routes.",
            "Updated FortiClient on {h} to the current version and re-imported the VPN profile.",
            "Added the internal DNS server to the VPN settings so the file server name resolves.",
        ],
        resolutions: &[
            "VPN connects and stays up, mapped drives reconnect at logon. {p} confirmed from home.",
            "Subnet conflict fixed, VPN stable for two days now.",
        ],
        work: "VPN support",
    },
    Topic {
        problem_type: "Backup",
        subjects: &[
            "Backup failed on server",
            "Backup job warning: {n} files skipped",
            "Restore deleted folder from backup",
        ],
        problems: &[
            "Nightly backup on the file server failed with 'VSS snapshot could not be created'.",
            "Backup report shows warnings for {n} days in a row, some files were skipped because they were in use.",
            "{p} deleted the Projects folder on the shared drive by mistake yesterday afternoon and needs it back.",
        ],
        updates: &[
            "VSS writers were in a failed state. Restarted the Volume Shadow Copy service and re-ran the job.",
            "Excluded the temporary cache folders from the job and enabled open file backup.",
            "Found last night's restore point, restoring the folder to an alternate location for {p} to check.",
            "Backup target was at {n}5% capacity; pruned old restore points according to retention.",
        ],
        resolutions: &[
            "Manual backup completed successfully; tonight's scheduled job also succeeded. Closing.",
            "Folder restored, {p} confirmed all files are there.",
        ],
        work: "Backup remediation",
    },
    Topic {
        problem_type: "Licensing",
        subjects: &[
            "M365 licence for new employee",
            "Remove M365 licences for departed staff",
            "Upgrade users to Business Premium",
        ],
        problems: &[
            "Please assign a Microsoft 365 Business Standard licence to {p}, starting Monday.",
            "We are paying for M365 licences of people who left. Please review and remove what is unused.",
            "Management wants everybody on Business Premium for Intune and Defender.",
        ],
        updates: &[
            "Purchased one additional Business Standard licence through the partner portal and assigned it.",
            "Exported the licence report: {n} licences assigned to disabled accounts.",
            "Converted the mailboxes of former staff to shared mailboxes before removing their licences.",
        ],
        resolutions: &[
            "Licences adjusted, the monthly count will drop on the next invoice.",
            "Licence assigned and mailbox provisioned for {p}.",
        ],
        work: "Microsoft 365 licence administration",
    },
    Topic {
        problem_type: "Security",
        subjects: &[
            "Firewall firmware update",
            "Open port request for vendor",
            "Firewall blocking payment terminal",
        ],
        problems: &[
            "Firewall console shows a critical firmware advisory for the SonicWall.",
            "The camera vendor needs port {n}443 forwarded to the NVR for remote viewing.",
            "Since this morning the card payment terminal cannot reach the processor; staff are taking cash only.",
        ],
        updates: &[
            "Scheduled the firmware update for tonight after hours and exported the config first.",
            "Pushed back on opening the port; offered a site-to-site VPN for the vendor instead.",
            "Application control was blocking the terminal's new processor domain. Added an exception.",
        ],
        resolutions: &[
            "Firmware updated, all tunnels and rules verified afterwards.",
            "Payment terminal processing again, {p} ran a test transaction.",
        ],
        work: "Firewall administration",
    },
    Topic {
        problem_type: "Account",
        subjects: &[
            "Password reset for {p}",
            "Account locked out",
            "Forgot Windows password",
        ],
        problems: &[
            "{p} is locked out of the computer and email after the password expired over the weekend.",
            "{p} keeps getting locked out every morning around 8am.",
            "{p} changed the password on Friday and cannot remember it.",
        ],
        updates: &[
            "Verified identity by calling {p} back on the number on file, then reset the password.",
            "Lockout source was an old phone with the previous password in the mail app. Removed the account from the phone.",
            "Unlocked the account in Active Directory and forced a sync to Entra ID.",
        ],
        resolutions: &[
            "{p} signed in with the new password and set up self-service password reset.",
            "No lockouts since the old phone was cleaned up. Closing.",
        ],
        work: "Password reset",
    },
    Topic {
        problem_type: "Onboarding",
        subjects: &[
            "New hire setup - {p}",
            "New employee starting Monday",
            "Setup laptop for new hire",
        ],
        problems: &[
            "We have a new hire, {p}, starting Monday. Needs email, laptop, access to the shared drive and the accounting software.",
            "Please set up an account and a computer for our new receptionist starting next week.",
            "New laptop arrived for the new hire, please image it and get it ready.",
        ],
        updates: &[
            "Created the user account, mailbox and added to the Staff and Front Desk groups.",
            "Laptop {h} imaged, joined to Intune, Office and line of business apps installed.",
            "Enrolled MFA for {p} during the onsite visit and set up the phone.",
            "Mapped the shared drives and added the Canon copier.",
        ],
        resolutions: &[
            "New hire is up and running, walked {p} through the first login and MFA.",
            "Laptop delivered and handed over with the welcome sheet.",
        ],
        work: "New hire setup",
    },
    Topic {
        problem_type: "Offboarding",
        subjects: &[
            "Offboard departing employee {p}",
            "Disable account for terminated employee",
        ],
        problems: &[
            "{p} leaves on Friday. Please disable access at 5pm and forward email to the office manager.",
            "We had to let someone go this morning, please disable all access immediately.",
        ],
        updates: &[
            "Blocked sign-in, revoked sessions and reset the password. Converted mailbox to shared.",
            "Collected the laptop {h}; backed up the desktop and documents to the manager's OneDrive.",
            "Removed the user from the VPN group and the door access list.",
        ],
        resolutions: &[
            "Offboarding checklist complete, licence removed.",
            "All access removed and the laptop wiped for reuse.",
        ],
        work: "Employee offboarding",
    },
    Topic {
        problem_type: "Network",
        subjects: &[
            "Wi-Fi slow in conference room",
            "Guest Wi-Fi not working",
            "Wireless drops in the back office",
        ],
        problems: &[
            "Wi-Fi in the conference room is very slow during meetings, video calls keep freezing.",
            "Guests cannot connect to the guest Wi-Fi; the splash page never loads.",
            "Laptops in the back office keep dropping the wireless connection several times a day.",
        ],
        updates: &[
            "Site survey showed a single access point covering the whole floor. Quoted a second U6-Lite.",
            "Guest network DHCP scope was exhausted. Shortened the lease time and widened the scope.",
            "Moved the back office AP to a less crowded 5 GHz channel and lowered 2.4 GHz power.",
        ],
        resolutions: &[
            "Second access point installed, speeds in the conference room are good now.",
            "Guest Wi-Fi working again, verified with a phone.",
        ],
        work: "Wireless network support",
    },
    Topic {
        problem_type: "Hardware",
        subjects: &[
            "Computer very slow - {h}",
            "Laptop will not turn on",
            "Blue screen on {h}",
        ],
        problems: &[
            "{p} says {h} takes ten minutes to start and programs freeze constantly.",
            "{p}'s laptop does not power on, the charging light blinks amber.",
            "{h} shows a blue screen with CRITICAL_PROCESS_DIED a few times a day.",
        ],
        updates: &[
            "Disk at 100% usage; the old spinning drive reports SMART warnings. Recommended an SSD swap.",
            "Removed startup bloat and ran updates, boot time went from 9 to 3 minutes.",
            "Tested with a known good charger, the laptop boots. Ordering a replacement adapter.",
            "Ran memory diagnostics overnight: errors on one DIMM.",
        ],
        resolutions: &[
            "Cloned to a new SSD, {h} boots in under a minute now.",
            "Replaced the failed memory module, no more blue screens after a week.",
        ],
        work: "Workstation repair",
    },
    Topic {
        problem_type: "Security",
        subjects: &[
            "Suspicious email - possible phishing",
            "Clicked on a phishing link",
            "Spam getting through",
        ],
        problems: &[
            "{p} received an email asking to review a DocuSign for an invoice, it looks off. Forwarding it to you.",
            "{p} clicked a link in an email that looked like a Microsoft login page and typed the password.",
            "Lots of spam reaching the inboxes this week, mostly fake shipping notices.",
        ],
        updates: &[
            "Confirmed phishing. Purged the message from all mailboxes and blocked the sender domain.",
            "Reset the password, revoked all sessions and checked the inbox rules: a forwarding rule had been added and was removed.",
            "Tightened the anti-spam policy and enabled impersonation protection.",
        ],
        resolutions: &[
            "No sign-ins from unknown locations since the reset. Reminded staff about the phishing training.",
            "Spam volume back to normal.",
        ],
        work: "Security incident response",
    },
    Topic {
        problem_type: "Server",
        subjects: &[
            "Server disk space low",
            "File server not accessible",
            "Windows updates failing on server",
        ],
        problems: &[
            "Monitoring alert: C: on the file server below 5% free.",
            "Nobody can open the S: drive this morning, 'network path not found'.",
            "The server has been failing the monthly cumulative update with 0x800f0922.",
        ],
        updates: &[
            "Cleaned WinSxS and old IIS logs, freed {n}8 GB. Extending the volume next maintenance window.",
            "Server was up but the Server service had stopped after an update. Restarted it and set recovery options.",
            "Ran DISM restorehealth and SFC, the update installs now.",
        ],
        resolutions: &[
            "Volume extended, {n}0% free now, alert cleared.",
            "Shares accessible again for all users.",
        ],
        work: "Server maintenance",
    },
    Topic {
        problem_type: "Software",
        subjects: &[
            "Teams microphone not working",
            "Teams meetings crash",
            "OneDrive sync errors",
            "SharePoint folder not syncing",
        ],
        problems: &[
            "Nobody can hear {p} in Teams calls, the headset works in other programs.",
            "Teams closes by itself when {p} joins a meeting with more than ten people.",
            "OneDrive shows a red X on {h} and says {n} items cannot be synced.",
            "The Shared Documents library stopped syncing to File Explorer for {p}.",
        ],
        updates: &[
            "Microphone permission for desktop apps was turned off in Windows privacy settings.",
            "Cleared the Teams cache and reinstalled the new Teams client.",
            "Files had characters and path lengths OneDrive does not allow; renamed them with {p}.",
            "Reset the OneDrive client and re-synced the library.",
        ],
        resolutions: &[
            "Teams audio works, tested a call with {p}.",
            "Sync is green again on {h}.",
        ],
        work: "Microsoft 365 application support",
    },
    Topic {
        problem_type: "Software",
        subjects: &[
            "QuickBooks will not open company file",
            "Line of business app update",
            "Dentrix error on front desk",
        ],
        problems: &[
            "QuickBooks says the company file is in use by another user, but everyone is out.",
            "The vendor released a new version of the practice management software, please update all stations.",
            "Front desk gets a database connection error when opening the schedule.",
        ],
        updates: &[
            "The QuickBooks Database Server Manager service was stopped on the server. Restarted and rescanned the folder.",
            "Updated the server component first, then the {n} workstations after hours.",
            "Called the vendor's support line with {p}, they had us rebuild the ODBC connection.",
        ],
        resolutions: &[
            "Company file opens in multi-user mode again.",
            "All stations on the new version, {p} confirmed the schedule loads.",
        ],
        work: "Line of business application support",
    },
    Topic {
        problem_type: "Phones",
        subjects: &[
            "Desk phone no dial tone",
            "Voicemail to email not working",
            "Change call forwarding after hours",
        ],
        problems: &[
            "{p}'s desk phone shows 'No Service' and there is no dial tone.",
            "Voicemails stopped arriving by email.",
            "Please forward the main line to the answering service after 5pm starting this week.",
        ],
        updates: &[
            "The phone's PoE port on the switch had failed. Moved it to a spare port.",
            "Voicemail notifications were going to an old address; updated it in the VoIP portal.",
            "Created a time-based route in the VoIP portal for after hours.",
        ],
        resolutions: &[
            "Phone registered and calls working.",
            "After-hours forwarding tested with {p}.",
        ],
        work: "VoIP phone support",
    },
    Topic {
        problem_type: "Account",
        subjects: &[
            "MFA new phone",
            "Set up MFA for {p}",
            "Authenticator app not prompting",
        ],
        problems: &[
            "{p} got a new phone and can no longer approve sign-ins.",
            "Please enroll {p} in multi-factor authentication.",
            "Authenticator push notifications never arrive for {p}.",
        ],
        updates: &[
            "Verified identity by video call, required re-registration of MFA methods.",
            "Walked {p} through adding the account in Microsoft Authenticator.",
            "Notifications were disabled for the Authenticator app on the phone.",
        ],
        resolutions: &[
            "MFA re-registered, {p} can sign in.",
            "Push approvals working.",
        ],
        work: "MFA support",
    },
    Topic {
        problem_type: "Access",
        subjects: &[
            "Shared drive permission request",
            "Access denied to HR folder",
            "Need access to Accounting share",
        ],
        problems: &[
            "{p} needs read and write access to the Accounting folder on the S: drive.",
            "{p} gets 'Access denied' on the HR folder although the manager approved it last week.",
            "Please give the new bookkeeper access to the Accounting share.",
        ],
        updates: &[
            "Got written approval from the office manager. Added {p} to the Accounting-RW group.",
            "Group membership applies at logon; asked {p} to sign out and back in.",
        ],
        resolutions: &[
            "Access working, {p} can open and save files.",
        ],
        work: "Permissions change",
    },
    Topic {
        problem_type: "Hardware",
        subjects: &[
            "Second monitor not detected",
            "Docking station not working",
            "New monitors for reception",
        ],
        problems: &[
            "{p}'s second monitor stays black when the laptop is docked.",
            "The Dell dock does not charge the laptop or show the monitors after a Windows update.",
            "Reception needs two new monitors, please quote and install.",
        ],
        updates: &[
            "Updated the dock firmware and the Thunderbolt driver on {h}.",
            "Replaced the DisplayPort cable, monitor detected.",
            "Quoted two 24 inch monitors; approved by {p}.",
        ],
        resolutions: &[
            "Dock and both monitors working.",
            "Monitors installed and arranged for {p}.",
        ],
        work: "Peripheral support",
    },
    Topic {
        problem_type: "Website",
        subjects: &[
            "Website down",
            "Domain renewal notice",
            "Update contact form on website",
        ],
        problems: &[
            "Our website shows a 'This site can't be reached' error.",
            "We got an email saying the domain expires in {n} days, is this legitimate?",
            "The contact form on the website sends to an old address, please change it to the office mailbox.",
        ],
        updates: &[
            "DNS A record had been changed at the registrar. Restored the correct record, waiting on propagation.",
            "The notice was a scam from a domain broker; the real renewal is set to auto-renew.",
            "Updated the form handler in WordPress and sent a test submission.",
        ],
        resolutions: &[
            "Website reachable again everywhere.",
            "Contact form submissions reach the office mailbox now.",
        ],
        work: "Website and DNS support",
    },
];

/// Follow-ups that fit any ticket.
pub const GENERIC_UPDATES: &[&str] = &[
    "Called {p}, left a voicemail to schedule a remote session.",
    "Emailed {p} asking for a good time to connect.",
    "Waiting on {p} to confirm the fix on their side.",
    "Checked in with {p}; the issue has not come back so far.",
    "Asked {t} for a second opinion, reviewing together tomorrow.",
    "Remote session with {p} scheduled for tomorrow at 9am.",
    "{p} replied that it happened again this morning around {n}:30.",
    "Documented the steps in the customer's runbook.",
];

pub const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Betty",
    "Mark",
    "Margaret",
    "Steven",
    "Sandra",
    "Paul",
    "Ashley",
    "Andrew",
    "Kimberly",
    "Joshua",
    "Emily",
    "Kevin",
    "Donna",
    "Brian",
    "Michelle",
    "George",
    "Carol",
    "Jerry",
    "Amanda",
    "Luis",
    "Maria",
    "Hiroshi",
    "Aisha",
    "Olga",
    "Raj",
];

pub const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Burger",
    "Kowalski",
    "Tanaka",
    "Okafor",
    "Fischer",
];

pub const BUSINESS_PREFIXES: &[&str] = &[
    "Harbor",
    "Summit",
    "Pinecrest",
    "Lakeside",
    "Redwood",
    "Bluebird",
    "Granite",
    "Maple",
    "Cedar",
    "Riverbend",
    "Northgate",
    "Silverline",
    "Oak Hollow",
    "Brightview",
    "Ironwood",
    "Westfield",
    "Crescent",
    "Sterling",
    "Evergreen",
    "Keystone",
    "Willow Creek",
    "Copper Ridge",
    "Meadowbrook",
    "Lighthouse",
];

pub const BUSINESS_KINDS: &[&str] = &[
    "Dental",
    "Accounting",
    "Law Group",
    "Realty",
    "Veterinary Clinic",
    "Construction",
    "Insurance Agency",
    "Family Practice",
    "Architects",
    "Auto Repair",
    "Bakery",
    "Chiropractic",
    "Logistics",
    "Property Management",
    "Engineering",
    "Community Church",
    "Montessori School",
    "Brewing Co",
    "Physical Therapy",
    "Landscaping",
];

pub const BUSINESS_SUFFIXES: &[&str] = &["", "", " LLC", " Inc.", " & Associates", " Partners"];

pub const STREETS: &[&str] = &[
    "Main St",
    "Oak Ave",
    "Pine St",
    "Maple Dr",
    "Cedar Ln",
    "Elm St",
    "Washington Blvd",
    "Lake Rd",
    "Hillside Ave",
    "Park Pl",
    "Market St",
    "2nd St",
];

pub const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Portland", "OR", "97205", "503"),
    ("Salem", "OR", "97301", "503"),
    ("Vancouver", "WA", "98660", "360"),
    ("Bend", "OR", "97701", "541"),
    ("Eugene", "OR", "97401", "541"),
    ("Tacoma", "WA", "98402", "253"),
    ("Boise", "ID", "83702", "208"),
    ("Spokane", "WA", "99201", "509"),
];

pub const HOST_PREFIXES: &[&str] = &[
    "FRONTDESK",
    "RECEPTION",
    "OFFICE",
    "ACCT",
    "LAPTOP",
    "DESKTOP",
    "MGR",
    "EXAM",
    "SHOP",
    "CONF",
];

pub const MAIL_DOMAINS: &[&str] = &["gmail.com", "outlook.com", "yahoo.com", "icloud.com"];
