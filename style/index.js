import './common.css';
import './sidebar.css';
import './compute.css';
import './s3.css';
import './runs.css';
import './sweep.css';
import './schedule.css';
