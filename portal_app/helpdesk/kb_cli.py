"""The knowledge base's demo data: three categories and a handful of articles in English, French and
German, some public (the login page links to them), some for logged-in customers."""

from __future__ import annotations

from portal_app.helpdesk import kb_admin_rules as kb_admin
from portal_app.core import registries

CATEGORIES = (
    ("account", {"en": "Your account", "fr": "Votre compte", "de": "Ihr Konto"}),
    ("billing", {"en": "Billing", "fr": "Facturation", "de": "Abrechnung"}),
    ("appointments", {"en": "Appointments", "fr": "Rendez-vous", "de": "Termine"}),
)

# (category, public, {language: (title, slug, body)})
ARTICLES = (
    ("account", True, {
        "en": ("Logging in with a one-time code", "logging-in",
               "You do not need a password. Type the email address we have on file and press **Continue**.\n\n"
               "1. A six-digit code arrives by text message, or by email when we have no mobile number for you.\n"
               "2. Type it within ten minutes.\n"
               "3. No code after a minute? Check your spam folder, or ask for it by email.\n\n"
               "If your address is not recognised, ask the person who manages your company's account to "
               "check that your access is switched on."),
        "fr": ("Se connecter avec un code à usage unique", "se-connecter",
               "Pas besoin de mot de passe. Saisissez l'adresse e-mail que nous connaissons et appuyez sur "
               "**Continuer**.\n\n"
               "1. Un code à six chiffres arrive par SMS, ou par e-mail si nous n'avons pas votre mobile.\n"
               "2. Saisissez-le dans les dix minutes.\n"
               "3. Rien reçu au bout d'une minute ? Regardez vos indésirables, ou demandez l'envoi par e-mail.\n\n"
               "Si votre adresse n'est pas reconnue, demandez à la personne qui gère le compte de votre "
               "société de vérifier que votre accès est activé."),
        "de": ("Anmelden mit einem Einmalcode", "anmelden",
               "Sie brauchen kein Passwort. Geben Sie die bei uns hinterlegte E-Mail-Adresse ein und klicken "
               "Sie auf **Weiter**.\n\n"
               "1. Ein sechsstelliger Code kommt per SMS, oder per E-Mail, wenn wir keine Mobilnummer haben.\n"
               "2. Geben Sie ihn innerhalb von zehn Minuten ein.\n"
               "3. Nach einer Minute nichts erhalten? Sehen Sie im Spam-Ordner nach oder fordern Sie ihn per "
               "E-Mail an.\n\n"
               "Wird Ihre Adresse nicht erkannt, bitten Sie die Person, die das Konto Ihrer Firma betreut, "
               "Ihren Zugang zu prüfen."),
    }),
    ("billing", False, {
        "en": ("Reading and paying your invoices", "paying-invoices",
               "Every invoice we issue appears under **Invoices**, with its PDF.\n\n"
               "- *Amount due* is what is left after the payments we have received.\n"
               "- Pay by card from the invoice itself; the receipt comes by email.\n"
               "- A bank transfer takes a few days to show.\n\n"
               "Something looks wrong? Write to us with the invoice number and we will check it."),
        "fr": ("Consulter et payer vos factures", "payer-factures",
               "Chaque facture émise apparaît dans **Factures**, avec son PDF.\n\n"
               "- Le *reste à payer* tient compte des paiements déjà reçus.\n"
               "- Payez par carte depuis la facture ; le reçu arrive par e-mail.\n"
               "- Un virement met quelques jours à apparaître.\n\n"
               "Un doute ? Écrivez-nous avec le numéro de la facture, nous vérifierons."),
    }),
    ("appointments", True, {
        "en": ("Booking, moving or cancelling an appointment", "appointments",
               "Open **Bookings**, choose a service, then one of the free times shown.\n\n"
               "You can move or cancel an appointment online until shortly before it starts; the page tells "
               "you how long before. After that, call us.\n\n"
               "Each confirmation email has a calendar file you can add to your agenda."),
        "de": ("Termine buchen, verschieben oder absagen", "termine",
               "Öffnen Sie **Termine**, wählen Sie eine Leistung und dann eine der freien Zeiten.\n\n"
               "Verschieben oder absagen geht online bis kurz vor Beginn; die Seite nennt die Frist. "
               "Danach rufen Sie uns bitte an.\n\n"
               "Jede Bestätigung enthält eine Kalenderdatei für Ihren Kalender."),
    }),
    ("account", False, {
        "en": ("Sending us a document", "sending-documents",
               "Under **Documents** you find what we share with your company. When sending files is switched "
               "on, drop a PDF or a picture there: we are told at once.\n\n"
               "Files are checked by their content and kept private to your company."),
    }),
    ("account", True, {
        "en": ("Opening hours and how to reach us", "contact-us",
               "We answer from Monday to Friday, 9:00 to 17:30.\n\n"
               "The quickest way is a message from the portal: it keeps the whole conversation in one place. "
               "For anything urgent, call the number at the bottom of our emails."),
        "fr": ("Horaires et comment nous joindre", "nous-joindre",
               "Nous répondons du lundi au vendredi, de 9 h à 17 h 30.\n\n"
               "Le plus simple est un message depuis le portail : toute la conversation reste au même "
               "endroit. En cas d'urgence, appelez le numéro en bas de nos e-mails."),
    }),
)


@registries.demo_seeder(order=60)
def seed_demo(db, ctx) -> None:
    offered = set(kb_admin.languages(db))
    categories = {}
    for position, (slug, names) in enumerate(CATEGORIES):
        categories[slug] = kb_admin.save_category(db, ctx, None, names=names, position=position * 10, slug=slug)
    for category, public, versions in ARTICLES:
        first = None
        for lang, (title, slug, body) in versions.items():
            if lang not in offered:
                continue
            article = kb_admin.save_article(
                db, ctx, None,
                kb_admin.ArticleInput(title=title, body_md=body, language=lang, slug=slug, public=public,
                                      published=True, category_id=categories[category].id),
                translation_of=first.id if first is not None else None)
            first = first or article
