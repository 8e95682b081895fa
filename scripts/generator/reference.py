"""Static reference data of the simulated bank: products, merchant categories, places.

Kept as plain tuples so the catalogue is reviewable in one screen and identical for every
seed; only the population drawn from it is random.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    category: str
    product_type: str
    account_type: str
    interest_rate: float
    annual_fee: float
    monthly_fee: float
    min_balance: float
    credit_limit_max: float
    term_months: int | None
    is_active: bool
    launched_date: str


PRODUCTS: tuple[Product, ...] = (
    Product(
        "PRD001",
        "Everyday Checking",
        "deposit",
        "checking",
        "checking",
        0.05,
        0,
        10,
        500,
        1000,
        None,
        True,
        "2008-03-01",
    ),
    Product(
        "PRD002",
        "Premier Checking",
        "deposit",
        "checking",
        "checking",
        0.25,
        0,
        25,
        10000,
        5000,
        None,
        True,
        "2011-06-01",
    ),
    Product(
        "PRD003",
        "Student Checking",
        "deposit",
        "checking",
        "checking",
        0.0,
        0,
        0,
        0,
        250,
        None,
        True,
        "2012-09-01",
    ),
    Product(
        "PRD004",
        "Business Checking",
        "deposit",
        "checking",
        "checking",
        0.10,
        0,
        15,
        2000,
        5000,
        None,
        True,
        "2010-01-15",
    ),
    Product(
        "PRD005",
        "Basic Savings",
        "deposit",
        "savings",
        "savings",
        0.50,
        0,
        5,
        300,
        0,
        None,
        True,
        "2008-03-01",
    ),
    Product(
        "PRD006",
        "High-Yield Savings",
        "deposit",
        "savings",
        "savings",
        4.00,
        0,
        0,
        0,
        0,
        None,
        True,
        "2019-04-01",
    ),
    Product(
        "PRD007",
        "Cashback Credit Card",
        "credit",
        "credit_card",
        "credit_card",
        24.99,
        0,
        0,
        0,
        10000,
        None,
        True,
        "2014-05-01",
    ),
    Product(
        "PRD008",
        "Rewards Credit Card",
        "credit",
        "credit_card",
        "credit_card",
        21.99,
        95,
        0,
        0,
        25000,
        None,
        True,
        "2016-02-01",
    ),
    Product(
        "PRD009",
        "Student Credit Card",
        "credit",
        "credit_card",
        "credit_card",
        26.99,
        0,
        0,
        0,
        2000,
        None,
        True,
        "2013-08-15",
    ),
    Product(
        "PRD010",
        "Personal Loan",
        "lending",
        "personal_loan",
        "loan",
        11.50,
        0,
        0,
        0,
        40000,
        60,
        True,
        "2009-01-01",
    ),
    Product(
        "PRD011",
        "Auto Loan",
        "lending",
        "auto_loan",
        "loan",
        7.50,
        0,
        0,
        0,
        60000,
        72,
        True,
        "2010-07-01",
    ),
    Product(
        "PRD012",
        "12-Month Certificate",
        "investment",
        "certificate_of_deposit",
        "savings",
        4.50,
        0,
        0,
        1000,
        0,
        12,
        False,
        "2015-01-01",
    ),
)
PRODUCT_INDEX = {p.product_id: i for i, p in enumerate(PRODUCTS)}


@dataclass(frozen=True)
class Category:
    name: str
    mcc: str
    weight: float  # share of purchases
    median_amount: float
    sigma: float  # of log amount
    online_share: float  # share of merchants that are card-not-present
    high_risk_share: float
    big_ticket: bool  # where legitimate large purchases happen


CATEGORIES: tuple[Category, ...] = (
    Category("grocery", "5411", 0.20, 45, 0.7, 0.05, 0.00, False),
    Category("restaurants", "5812", 0.12, 35, 0.6, 0.0, 0.00, False),
    Category("fast_food", "5814", 0.10, 12, 0.5, 0.0, 0.00, False),
    Category("gas_station", "5541", 0.08, 45, 0.4, 0.0, 0.02, False),
    Category("pharmacy", "5912", 0.04, 25, 0.7, 0.10, 0.00, False),
    Category("department_store", "5311", 0.05, 70, 0.8, 0.20, 0.00, False),
    Category("clothing", "5651", 0.05, 65, 0.8, 0.30, 0.02, False),
    Category("electronics", "5732", 0.03, 150, 1.0, 0.35, 0.10, True),
    Category("home_improvement", "5200", 0.03, 90, 0.9, 0.10, 0.00, True),
    Category("travel", "4511", 0.02, 350, 0.8, 0.60, 0.05, True),
    Category("hotel", "7011", 0.02, 220, 0.7, 0.50, 0.05, True),
    Category("entertainment", "7832", 0.04, 30, 0.6, 0.20, 0.00, False),
    Category("online_marketplace", "5999", 0.08, 40, 0.9, 1.0, 0.05, False),
    Category("digital_goods", "5816", 0.04, 15, 0.8, 1.0, 0.20, False),
    Category("streaming", "4899", 0.03, 14, 0.3, 1.0, 0.00, False),
    Category("utilities", "4900", 0.02, 110, 0.5, 0.50, 0.00, False),
    Category("rideshare", "4121", 0.04, 22, 0.5, 1.0, 0.02, False),
    Category("jewelry", "5944", 0.01, 300, 0.9, 0.30, 0.20, True),
    Category("gambling", "7995", 0.01, 60, 1.0, 1.0, 0.80, False),
)
CATEGORY_NAMES = tuple(c.name for c in CATEGORIES)
# Categories where the planted "new high-risk merchant" fraud happens.
FRAUD_MERCHANT_CATEGORIES = ("digital_goods", "gambling", "online_marketplace", "electronics")
# Categories where the planted amount-outlier fraud is spent.
OUTLIER_CATEGORIES = ("electronics", "jewelry", "online_marketplace", "travel")

# (city, state, zip prefix, latitude, longitude)
US_CITIES: tuple[tuple[str, str, str, float, float], ...] = (
    ("New York", "NY", "100", 40.7128, -74.0060),
    ("Brooklyn", "NY", "112", 40.6782, -73.9442),
    ("Los Angeles", "CA", "900", 34.0522, -118.2437),
    ("San Diego", "CA", "921", 32.7157, -117.1611),
    ("San Francisco", "CA", "941", 37.7749, -122.4194),
    ("Chicago", "IL", "606", 41.8781, -87.6298),
    ("Houston", "TX", "770", 29.7604, -95.3698),
    ("Dallas", "TX", "752", 32.7767, -96.7970),
    ("Austin", "TX", "787", 30.2672, -97.7431),
    ("Phoenix", "AZ", "850", 33.4484, -112.0740),
    ("Philadelphia", "PA", "191", 39.9526, -75.1652),
    ("Pittsburgh", "PA", "152", 40.4406, -79.9959),
    ("Jacksonville", "FL", "322", 30.3322, -81.6557),
    ("Miami", "FL", "331", 25.7617, -80.1918),
    ("Tampa", "FL", "336", 27.9506, -82.4572),
    ("Columbus", "OH", "432", 39.9612, -82.9988),
    ("Cleveland", "OH", "441", 41.4993, -81.6944),
    ("Charlotte", "NC", "282", 35.2271, -80.8431),
    ("Seattle", "WA", "981", 47.6062, -122.3321),
    ("Denver", "CO", "802", 39.7392, -104.9903),
    ("Boston", "MA", "021", 42.3601, -71.0589),
    ("Atlanta", "GA", "303", 33.7490, -84.3880),
    ("Detroit", "MI", "482", 42.3314, -83.0458),
    ("Minneapolis", "MN", "554", 44.9778, -93.2650),
    ("Portland", "OR", "972", 45.5152, -122.6784),
    ("Las Vegas", "NV", "891", 36.1699, -115.1398),
    ("Nashville", "TN", "372", 36.1627, -86.7816),
    ("Baltimore", "MD", "212", 39.2904, -76.6122),
    ("Salt Lake City", "UT", "841", 40.7608, -111.8910),
    ("Kansas City", "MO", "641", 39.0997, -94.5786),
)
CITY_WEIGHTS = (
    8,
    5,
    8,
    3,
    3,
    6,
    5,
    4,
    3,
    4,
    4,
    2,
    2,
    3,
    2,
    2,
    2,
    3,
    3,
    3,
    3,
    4,
    2,
    2,
    2,
    2,
    2,
    2,
    1,
    2,
)
# Foreign countries for merchants abroad, travel and IP geolocation: (country, city, lat, lon).
FOREIGN_PLACES: tuple[tuple[str, str, float, float], ...] = (
    ("CA", "Toronto", 43.6532, -79.3832),
    ("MX", "Cancun", 21.1619, -86.8515),
    ("GB", "London", 51.5074, -0.1278),
    ("FR", "Paris", 48.8566, 2.3522),
    ("DE", "Berlin", 52.5200, 13.4050),
    ("ES", "Barcelona", 41.3874, 2.1686),
    ("IT", "Rome", 41.9028, 12.4964),
    ("JP", "Tokyo", 35.6762, 139.6503),
    ("NG", "Lagos", 6.5244, 3.3792),
    ("RU", "Moscow", 55.7558, 37.6173),
    ("BR", "Sao Paulo", -23.5505, -46.6333),
    ("IN", "Mumbai", 19.0760, 72.8777),
)
HOME_COUNTRY = "US"
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "proton.me")
