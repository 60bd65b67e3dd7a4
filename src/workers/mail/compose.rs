//! The words of each mail, in plain text and HTML, from the event and the rows it names.
//! Every mail names the shop's customer service (the order's merchant: its name, e-mail and
//! phone) and replies go there. An order token is never written into a link: a guest is
//! told to send it in the `Order-Token` header.

use entity::{delivery, merchant, order, outbox_event, refund, voucher};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::{
    domain::{
        mails::{MailKind, NewMail},
        merchants,
        money::Money,
        orders,
        sales::find_delivery,
    },
    http::hal::Hal,
};

/// The mail an event calls for, if any: `None` for a till's `order.completed` (the till's
/// own event mails it), an order without an address, a till purchase without `send_email`,
/// or rows that no longer exist.
pub async fn compose(
    db: &impl ConnectionTrait,
    hal: &Hal,
    kind: MailKind,
    event: &outbox_event::Model,
) -> Result<Option<NewMail>, DbErr> {
    let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap_or_default();
    let Some(order_uid) = payload["order_uid"].as_str() else {
        return Ok(None);
    };
    let Some(order) = orders::find(db, order_uid).await? else {
        return Ok(None);
    };
    let Some(merchant) = merchants::find(db, order.merchant_id).await? else {
        return Ok(None);
    };
    if order.email.trim().is_empty() {
        return Ok(None);
    }
    let shop = Shop::of(&merchant);
    let letter = match kind {
        MailKind::OrderConfirmation if order.channel == "store" => return Ok(None),
        MailKind::OrderConfirmation => confirmation(db, hal, &order).await?,
        MailKind::RefundProcessed => match refund_of(db, &event.subject_uid).await? {
            Some((refund, voucher)) => refund_letter(hal, &order, &refund, voucher.as_ref())?,
            None => return Ok(None),
        },
        MailKind::TillPurchase if payload["send_email"] != serde_json::Value::Bool(true) => return Ok(None),
        MailKind::TillPurchase => match find_delivery(db, &event.subject_uid).await? {
            Some(delivery) => {
                let lines = orders::lines_of(db, order.id).await?;
                let title = lines
                    .first()
                    .map(|line| line.title.as_str())
                    .unwrap_or("your ebook");
                till_letter(hal, &order, &delivery, title)
            }
            None => return Ok(None),
        },
    };
    Ok(Some(letter.finish(&order, &shop)))
}

/// The shop's customer service, as every mail shows it.
struct Shop {
    name: String,
    email: String,
    phone: String,
}

impl Shop {
    fn of(merchant: &merchant::Model) -> Self {
        Shop {
            name: merchant.name.clone(),
            email: merchant.support_email.clone(),
            phone: merchant.support_phone.clone(),
        }
    }
}

/// A mail's subject and paragraphs; each paragraph is plain text, written into the HTML
/// part escaped, with any link in it made clickable.
struct Letter {
    subject: String,
    paragraphs: Vec<String>,
}

impl Letter {
    fn finish(self, order: &order::Model, shop: &Shop) -> NewMail {
        let greeting = match order.first_name.trim() {
            "" => "Hello,".to_owned(),
            name => format!("Hello {name},"),
        };
        let service = format!(
            "Questions? {} customer service: {} · {}. You can also reply to this mail.",
            shop.name, shop.email, shop.phone
        );
        let mut paragraphs = vec![greeting];
        paragraphs.extend(self.paragraphs);
        paragraphs.push(service);
        let text_body = paragraphs.join("\n\n") + "\n";
        let html: Vec<String> = paragraphs
            .iter()
            .map(|p| format!("<p>{}</p>", html_paragraph(p)))
            .collect();
        let html_body = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n{}\n</body></html>\n",
            escape(&self.subject),
            html.join("\n")
        );
        NewMail {
            recipient: order.email.clone(),
            reply_to: shop.email.clone(),
            subject: format!("{} — {}", self.subject, shop.name),
            text_body,
            html_body,
        }
    }
}

async fn confirmation(db: &impl ConnectionTrait, hal: &Hal, order: &order::Model) -> Result<Letter, DbErr> {
    let currency = orders::currency_of(order)?;
    let lines = orders::lines_of(db, order.id).await?;
    let mut items: Vec<String> = lines
        .iter()
        .map(|line| {
            let total = Money::from_minor(line.total_minor, currency);
            format!("- {} × {}: {total}", line.quantity, line.title)
        })
        .collect();
    items.push(format!(
        "Total paid: {}",
        Money::from_minor(order.grand_total_minor, currency)
    ));
    let link = hal.href(&format!("/orders/{}", order.uid));
    let access = if order.customer_sub.is_some() {
        "Sign in with the account you ordered with to read it and download your items.".to_owned()
    } else {
        "You ordered as a guest: to read the order, send the order token you were given when you placed \
         it in the Order-Token header of your request (Order-Token: <your order token>). The token never \
         goes into a link; keep it private, like a password."
            .to_owned()
    };
    Ok(Letter {
        subject: format!("Your order {} is confirmed", order.reference),
        paragraphs: vec![
            format!(
                "Thank you for your order {}. Your payment was received.",
                order.reference
            ),
            items.join("\n"),
            format!("Your order: {link}"),
            access,
        ],
    })
}

async fn refund_of(
    db: &impl ConnectionTrait,
    refund_uid: &str,
) -> Result<Option<(refund::Model, Option<voucher::Model>)>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let Some(refund) = refund::Entity::find()
        .filter(refund::Column::Uid.eq(refund_uid))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let voucher = match refund.voucher_id {
        Some(id) => voucher::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    Ok(Some((refund, voucher)))
}

fn refund_letter(
    hal: &Hal,
    order: &order::Model,
    refund: &refund::Model,
    voucher: Option<&voucher::Model>,
) -> Result<Letter, DbErr> {
    let amount = Money::from_minor(refund.amount_minor, orders::currency_of(order)?);
    let how = match voucher {
        Some(voucher) => format!(
            "It was issued as a voucher of the shop: use the code {} in the vouchers of a next order.",
            voucher.code
        ),
        None => {
            "It goes back to the means of payment you paid with; your bank may take a few days to show it."
                .to_owned()
        }
    };
    Ok(Letter {
        subject: format!("Your refund for order {}", order.reference),
        paragraphs: vec![
            format!(
                "Your refund of {amount} for order {} was processed.",
                order.reference
            ),
            how,
            format!("Your order: {}", hal.href(&format!("/orders/{}", order.uid))),
        ],
    })
}

fn till_letter(hal: &Hal, order: &order::Model, delivery: &delivery::Model, title: &str) -> Letter {
    let redemption = hal.href("/code_redemptions");
    let library = match &delivery.owner_email {
        Some(email) => {
            format!("The book is already in the library of {email}: sign in with that address to read it.")
        }
        None => "Redeem the code to put the book into your library.".to_owned(),
    };
    Letter {
        subject: format!("Your ebook: {title}"),
        paragraphs: vec![
            format!("Thank you for buying {title} (receipt {}).", order.reference),
            format!("Your access code: {}", delivery.access_code),
            format!(
                "Redeem it at {redemption} (POST your e-mail address and the code), or in the shop's app."
            ),
            library,
        ],
    }
}

/// A paragraph as HTML: escaped, line breaks kept, `http(s)://` links made clickable.
fn html_paragraph(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            line.split(' ')
                .map(|word| {
                    if word.starts_with("http://") || word.starts_with("https://") {
                        format!("<a href=\"{0}\">{0}</a>", escape(word))
                    } else {
                        escape(word)
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("<br>\n")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_clickable_and_text_is_escaped() {
        assert_eq!(
            html_paragraph("See https://shop.example/orders/1 <now>"),
            "See <a href=\"https://shop.example/orders/1\">https://shop.example/orders/1</a> &lt;now&gt;"
        );
        assert_eq!(html_paragraph("a\nb"), "a<br>\nb");
    }
}
