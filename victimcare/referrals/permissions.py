"""Who may do what with referrals (rules predicates). Default: deny.

Filled in by the parts of the referral flow; every view checks a permission
named here, and anything not granted is a 404.
"""

from __future__ import annotations
