"""ASB Case Reviews (the "Community Trigger"): Anti-social Behaviour, Crime and Policing
Act 2014, s.104 and Schedule 4.

* :mod:`domain.reviews.aggregate`: the ``CaseReview`` aggregate, its commands and events;
* :mod:`domain.reviews.rules`: ``TriggerRules`` (the threshold) and ``ServiceLevels``;
* :mod:`domain.reviews.threshold`: ``assess_threshold``, a pure function;
* :mod:`domain.reviews.milestones`: milestone due dates and status on a given day;
* :mod:`domain.reviews.figures`: ``yearly_figures`` for the annual publication;
* :mod:`domain.reviews.values`: the enums and value objects.
"""
