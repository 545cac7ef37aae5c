"""The base states (site, portal, staff), the handler helpers and the mixins every feature uses."""
