"""The network rule, written once: a specialist brings a specialty no other member brings.

A network is a primary mentor plus specialists; each specialist must bring one of the
mentee's wanted specialties (need areas or roles) that no other member of the network
brings. Locks (:mod:`.problem`), roles (:mod:`.dispatch`), the greedy network engine and the
check of a relaxed flow (:mod:`.network_engine`, :mod:`.flow_engine`) all ask this function;
the MIP (:mod:`.mip_model`) states the same rule as linear constraints.
"""

from __future__ import annotations

import numpy as np


def own_specialties(wants: np.ndarray, team_offers: np.ndarray) -> np.ndarray:
    """(members × labels) True where a member brings a wanted specialty that no *other*
    member brings (``team_offers`` holds one row of offers per member, in team order; a
    mentor listed twice has no specialty of its own)."""
    team_offers = np.asarray(team_offers, bool)
    alone = team_offers.sum(axis=0) == 1
    return np.asarray(wants, bool)[None, :] & team_offers & alone[None, :]
