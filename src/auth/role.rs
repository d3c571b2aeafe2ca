crate::text_enum! {
    /// Role identifiers, identical in tokens, the API, the CLI and the database.
    #[derive(clap::ValueEnum)]
    #[clap(rename_all = "snake_case")]
    pub enum Role {
        /// A client organisation's user: applies, answers nonconformities, appeals.
        Applicant = "applicant",
        /// Scheme manager running the certification body.
        Admin = "admin",
        Auditor = "auditor",
        /// Certification reviewer; must not have audited the client.
        DecisionMaker = "decision_maker",
        ComplaintHandler = "complaint_handler",
        /// An outside organisation (a buyer, a regulator) that watches certificates it
        /// relies on: neither staff nor a client, it reaches no client's records.
        RelyingParty = "relying_party",
    }
}

impl Role {
    /// Staff of the certification body, as opposed to client users.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Applicant | Role::RelyingParty)
    }
}
