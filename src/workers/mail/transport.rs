//! Where mails go: an SMTP server (`SMTP_URL`, through lettre with rustls), or `.eml`
//! files in `HALSHOP_MAIL_DIR` for development.

use std::path::PathBuf;

use entity::mail;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};

use crate::workers::WorkerSettings;

/// The configured way out.
#[derive(Debug)]
pub enum Transport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    Files(PathBuf),
}

impl Transport {
    /// The transport the settings name; an `SMTP_URL` that lettre cannot read is refused at
    /// start, rather than failing every mail later.
    pub fn configure(settings: &WorkerSettings) -> anyhow::Result<Self> {
        settings
            .mail_from
            .parse::<Mailbox>()
            .map_err(|err| anyhow::anyhow!("HALSHOP_MAIL_FROM is not a mailbox: {err}"))?;
        match settings.smtp_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|err| anyhow::anyhow!("SMTP_URL is not usable: {err}"))?
                    .build();
                Ok(Transport::Smtp(Box::new(transport)))
            }
            _ => Ok(Transport::Files(settings.mail_dir.clone())),
        }
    }

    /// Sends one mail; the error is a sentence to record with the attempt.
    pub async fn send(&self, from: &str, mail: &mail::Model) -> Result<(), String> {
        let message = message(from, mail)?;
        match self {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|err| format!("SMTP: {err}")),
            Transport::Files(dir) => {
                let path = write_file(dir, &mail.uid, &message.formatted())?;
                tracing::info!(
                    to = %mail.recipient,
                    subject = %mail.subject,
                    file = %path.display(),
                    "mail written as a file (SMTP_URL is not set)"
                );
                Ok(())
            }
        }
    }
}

/// The MIME message: `multipart/alternative` with the plain text and the HTML; its
/// `Message-ID` is the mail's uid, the same on every attempt, so that a receiver can tell a
/// repeated delivery.
pub fn message(from: &str, mail: &mail::Model) -> Result<Message, String> {
    let mailbox = |text: &str, what: &str| {
        text.parse::<Mailbox>()
            .map_err(|err| format!("{what} {text:?} is not a mailbox: {err}"))
    };
    let mut builder = Message::builder()
        .message_id(Some(format!("<{}@halshop>", mail.uid)))
        .from(mailbox(from, "from")?)
        .to(mailbox(&mail.recipient, "recipient")?)
        .subject(mail.subject.clone());
    if !mail.reply_to.is_empty() {
        builder = builder.reply_to(mailbox(&mail.reply_to, "reply-to")?);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            mail.text_body.clone(),
            mail.html_body.clone(),
        ))
        .map_err(|err| format!("cannot build the message: {err}"))
}

/// Writes `<uid>.eml` whole: into a temporary name first, then renamed.
fn write_file(dir: &PathBuf, uid: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let path = dir.join(format!("{uid}.eml"));
    let partial = dir.join(format!(".{uid}.eml.partial"));
    std::fs::write(&partial, bytes).map_err(|err| format!("cannot write {}: {err}", partial.display()))?;
    std::fs::rename(&partial, &path).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    Ok(path)
}
