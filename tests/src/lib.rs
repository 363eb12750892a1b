//! Real SIP peers on 127.0.0.1 for end-to-end tests and `ringside demo`: every process is
//! started on free ports, owned by PID, waited for with a bound, and killed on drop.
pub mod baresip;
pub mod certs;
pub mod dns;
pub mod dovecot;
pub mod events;
pub mod gateway;
pub mod gateway_cluster;
pub mod kamailio;
pub mod linphone;
pub mod lossy_path;
pub mod nat;
pub mod netns;
pub mod pcap;
pub mod ports;
pub mod proc_stats;
pub mod process;
pub mod push_cloud;
pub mod radicale;
pub mod ringside;
pub mod secrets_scan;
pub mod sipp;
pub mod sockets;
pub mod tcp_relay;
pub mod udp_balancer;
pub mod wav;
pub mod woken_phone;
