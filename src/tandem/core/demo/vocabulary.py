"""The words the demo generator draws from: names, titles, industries, pages and reasons.

Plain ASCII, so the generated emails and domains are valid without transliteration. Every
domain ends in `.example` (reserved by RFC 2606), so no demo email can reach a real inbox.
"""

FIRST_NAMES = (
    "Aaron", "Abigail", "Adam", "Aisha", "Alan", "Alice", "Amara", "Amir", "Ana", "Andrea",
    "Anna", "Arjun", "Ben", "Bianca", "Carlos", "Carmen", "Chen", "Chloe", "Chris", "Claire",
    "Daniel", "Diana", "Diego", "Elena", "Eli", "Emma", "Ethan", "Fatima", "Felix", "Fiona",
    "Gabriel", "Grace", "Hana", "Hannah", "Hugo", "Ian", "Ines", "Isaac", "Ivy", "Jack",
    "James", "Jana", "Javier", "Jin", "Julia", "Kai", "Karim", "Kate", "Kenji", "Laura",
    "Leo", "Lina", "Lucas", "Lucy", "Maya", "Mehmet", "Mia", "Nadia", "Nina", "Noah",
    "Olivia", "Omar", "Oscar", "Paula", "Pedro", "Priya", "Rafael", "Rahul", "Rosa", "Ryan",
    "Sara", "Sofia", "Stefan", "Tariq", "Thomas", "Tom", "Valentina", "Victor", "Yuki", "Zoe",
)  # fmt: skip

LAST_NAMES = (
    "Adams", "Ahmed", "Alvarez", "Andersen", "Baker", "Bauer", "Becker", "Bianchi", "Brown",
    "Campbell", "Chen", "Clark", "Costa", "Das", "Davies", "Dubois", "Evans", "Fischer",
    "Fernandes", "Garcia", "Gomez", "Gupta", "Hall", "Hansen", "Hughes", "Ito", "Jansen",
    "Johnson", "Kaur", "Kim", "Klein", "Kowalski", "Larsen", "Lee", "Lopez", "Martin",
    "Meyer", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel",
    "Perez", "Peters", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Suzuki",
    "Tanaka", "Taylor", "Thompson", "Walker", "Wang", "Weber", "Williams", "Wilson", "Wright",
    "Yamamoto", "Young", "Zhang",
)  # fmt: skip

# Job titles by buying power. Decision makers convert more often and later stages move faster.
DECISION_MAKER_TITLES = (
    "Chief Marketing Officer", "VP Marketing", "VP Sales", "Head of Revenue Operations",
    "Head of Growth", "Director of Demand Generation", "Director of Sales",
    "Chief Revenue Officer", "Head of Marketing",
)  # fmt: skip
PRACTITIONER_TITLES = (
    "Marketing Manager", "Marketing Operations Manager", "Demand Generation Manager",
    "Sales Operations Analyst", "Growth Marketer", "Revenue Operations Specialist",
    "Content Marketing Manager", "Sales Development Manager", "CRM Administrator",
    "Product Marketing Manager", "Field Marketing Manager", "Account Executive",
)  # fmt: skip
OTHER_TITLES = (
    "Marketing Intern", "Consultant", "Software Engineer", "Student", "Office Manager",
    "Data Analyst", "Freelancer",
)  # fmt: skip

COMPANY_PREFIXES = (
    "Blue", "North", "Bright", "Silver", "Green", "Red", "Iron", "Clear", "Swift", "True",
    "Stone", "River", "Summit", "Cedar", "Harbor", "Polar", "Sun", "Oak", "Lake", "Maple",
    "Nova", "Atlas", "Apex", "Vector", "Orbit", "Pine", "Crest", "Echo", "Falcon", "Granite",
    "Aurora", "Beacon", "Cobalt", "Delta", "Ember", "Fjord", "Globe", "Helix", "Indigo",
    "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Onyx", "Prism", "Quartz", "Radiant",
    "Sierra", "Tidal", "Umbra", "Vertex", "Willow", "Zenith",
)  # fmt: skip
COMPANY_ROOTS = (
    "peak", "wave", "field", "point", "bridge", "gate", "line", "works", "path", "stack",
    "forge", "labs", "base", "grid", "core", "leaf", "spring", "wind", "light", "rock",
    "stream", "shore", "tree", "mark", "view", "ridge", "haven", "port", "star", "bay",
)  # fmt: skip
COMPANY_KINDS = (
    "Logistics", "Analytics", "Software", "Health", "Systems", "Foods", "Capital",
    "Manufacturing", "Energy", "Robotics", "Media", "Retail", "Consulting", "Security",
    "Networks", "Biotech", "Insurance", "Mobility", "Education", "Studios",
)  # fmt: skip

INDUSTRIES = (
    ("Software", 18), ("Financial services", 10), ("Healthcare", 9), ("Manufacturing", 11),
    ("Retail and e-commerce", 10), ("Logistics", 7), ("Professional services", 9),
    ("Media and publishing", 5), ("Education", 5), ("Energy", 4), ("Telecommunications", 4),
    ("Hospitality", 3), ("Public sector", 3), ("Real estate", 2),
)  # fmt: skip

COUNTRIES = (
    ("US", 40), ("GB", 12), ("DE", 10), ("FR", 7), ("CA", 6), ("NL", 5), ("AU", 4),
    ("IN", 4), ("ES", 3), ("SE", 3), ("BR", 3), ("JP", 3),
)  # fmt: skip

SEARCH_TERMS = (
    "lead scoring software", "marketing sales alignment", "mql sla", "lead routing tool",
    "funnel analytics", "revenue operations platform", "lead handoff", "b2b attribution",
    "crm lead management", "sales and marketing dashboard",
)  # fmt: skip

BLOG_POSTS = (
    ("What an MQL should mean", "what-an-mql-should-mean"),
    ("The five-minute lead response myth", "five-minute-lead-response"),
    ("Writing a lead agreement sales will sign", "writing-a-lead-agreement"),
    ("Why recycled leads come back", "why-recycled-leads-come-back"),
    ("Attribution without the arguments", "attribution-without-arguments"),
    ("Fit versus engagement scoring", "fit-versus-engagement"),
    ("A funnel review in thirty minutes", "funnel-review-in-thirty-minutes"),
    ("Service levels for inbound leads", "service-levels-for-inbound-leads"),
    ("Reading conversion by cohort", "reading-conversion-by-cohort"),
    ("When to disqualify a lead", "when-to-disqualify"),
    ("Pipeline targets, backwards", "pipeline-targets-backwards"),
    ("Lessons from 1,000 sales rejections", "lessons-from-sales-rejections"),
)
WEBINAR_TOPICS = (
    ("Fixing the MQL handoff", "fixing-the-mql-handoff"),
    ("Scoring leads sales trusts", "scoring-leads-sales-trusts"),
    ("One funnel, one number", "one-funnel-one-number"),
    ("Running a pipeline review", "running-a-pipeline-review"),
    ("Attribution for busy teams", "attribution-for-busy-teams"),
    ("From inquiry to customer in 60 days", "inquiry-to-customer-in-60-days"),
)
TRADE_SHOWS = (
    ("RevOps Summit", "revops-summit"),
    ("B2B Growth Forum", "b2b-growth-forum"),
    ("Pipeline Expo", "pipeline-expo"),
    ("Demand Days", "demand-days"),
)
PARTNERS = ("northbridge-consulting", "cedar-crm-partners", "apex-revenue-advisors")
REFERRAL_SITES = ("g2.example", "capterra.example", "revops-weekly.example", "reddit.example")

DISQUALIFY_INQUIRY_REASONS = (
    "Student or job seeker",
    "Competitor researching us",
    "Spam or made-up details",
    "Personal email and no company",
)
DISQUALIFY_REASONS = (
    "Not in our target market",
    "Company too small for the product",
    "No budget and no plan to find one",
    "Duplicate of an existing lead",
    "Wrong contact, no way to the buyer",
)
RECYCLE_REASONS = (
    "Not ready to buy",
    "Timing: revisit next quarter",
    "No response after five touches",
    "Budget frozen this year",
    "Happy with current tool for now",
)
LOST_REASONS = (
    ("Chose a competitor", 30),
    ("No budget", 18),
    ("Project postponed", 16),
    ("No decision made", 14),
    ("Price too high", 10),
    ("Missing a feature they need", 8),
    ("Went silent", 4),
)
PLAN_NAMES = ("Starter plan", "Growth plan", "Scale plan", "Enterprise plan")
