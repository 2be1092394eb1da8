"""Who may use the Victim Focus Desk console (rules predicates). Default: deny.

- ``desk.use_console``: Victim Focus Desk agents and supervisors. Which cases
  they find and open is still the case policy's (`cases.view_crime`: the
  desk's force's unrestricted cases, restricted ones only through a share).
"""

from __future__ import annotations

import rules

from victimcare.accounts.permissions import is_active_staff
from victimcare.messaging.permissions import is_desk_staff

USE_CONSOLE = "desk.use_console"

rules.set_perm(USE_CONSOLE, is_active_staff & is_desk_staff)
