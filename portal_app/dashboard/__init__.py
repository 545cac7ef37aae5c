"""The customer home page (cards registered by the features) and the portal actions editor."""
