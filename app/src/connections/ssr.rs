pub mod credentials;
pub mod rotate;
pub mod routes;
pub mod salesforce;
pub mod sources;
