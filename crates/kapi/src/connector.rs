//! The TLS layer under ureq: rustls with kapi's own certificate check
//! ([`trust`](crate::trust)), so the CA bundle can change while the client
//! runs. ureq's own rustls connector fixes its roots when the agent is built.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::{ClientConfig, ClientConnection, StreamOwned};
use rustls_pki_types::ServerName;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

use crate::auth::ClientCert;
use crate::trust::{Trust, Verifier};

/// Wraps a TCP transport in TLS for `https://` URLs.
#[derive(Debug)]
pub(crate) struct TlsConnector {
    config: Arc<ClientConfig>,
    /// `tls-server-name`: sent as SNI and checked instead of the URL's host.
    server_name: Option<String>,
}

impl TlsConnector {
    /// Checks servers against `trust`, or not at all when `insecure`;
    /// presents `client_cert` when the server asks for one.
    pub(crate) fn new(
        trust: Arc<Trust>,
        insecure: bool,
        server_name: Option<String>,
        client_cert: ClientCert,
    ) -> TlsConnector {
        let provider = crate::crypto::provider();
        let verifier = Arc::new(Verifier { trust, insecure });
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(rustls::ALL_VERSIONS)
            // Invariant: ring supports every protocol version rustls has.
            .expect("ring supports TLS 1.2 and 1.3")
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_client_cert_resolver(Arc::new(client_cert));
        // No session resumption: a resumed session skips the certificate
        // check, so after a CA rotation (or a CA withdrawn from the bundle)
        // a reconnect would go on trusting what the bundle no longer says.
        // A full handshake costs about a millisecond, once per connection.
        config.resumption = rustls::client::Resumption::disabled();
        TlsConnector {
            config: Arc::new(config),
            server_name,
        }
    }
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = match &self.server_name {
            Some(name) => name.as_str(),
            None => details
                .uri
                .host()
                .ok_or(ureq::Error::Tls("the server URL has no host"))?,
        };
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(bare.to_string())
            .map_err(|_| ureq::Error::Tls("the server's host is not a valid TLS server name"))?;
        let mut conn = ClientConnection::new(self.config.clone(), name).map_err(|e| {
            ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TlsTransport {
            buffers,
            stream: StreamOwned { conn, sock },
        })))
    }
}

/// A TLS connection, as ureq's transports are driven.
pub(crate) struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

impl std::fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}
