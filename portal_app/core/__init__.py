"""What every feature stands on: configuration, database, accounts and contacts, login and sessions,
notifications, languages, files, audit, the base states, the shells and shared UI, the registries."""
