"""The files ``offerspec init`` writes: a starter catalog repository that validates and passes."""
